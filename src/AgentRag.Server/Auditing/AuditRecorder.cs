using System.Diagnostics;
using AgentRag.Core.Audit;
using AgentRag.Core.Security;
using AgentRag.Server.Security;

namespace AgentRag.Server.Auditing;

/// <summary>
/// The one place requests become audit entries: it takes the actor, role, client address and trace id from the request
/// and the outcome from the HTTP status. Never pass document or query text as a target or detail. Thread-safe.
/// </summary>
public sealed class AuditRecorder(IAuditLog log, TimeProvider time, ILogger<AuditRecorder> logger)
{
    /// <summary>The actor of a request without an authenticated credential.</summary>
    public const string Anonymous = "anonymous";

    /// <summary>
    /// Appends an entry for <paramref name="action"/> by the caller of <paramref name="httpContext"/>. A failure to write
    /// is logged, not thrown: the act has already happened and its answer must still reach the caller.
    /// </summary>
    public async Task RecordAsync(
        HttpContext httpContext, string? tenantId, string action, string? target, int status, string? detail = null)
    {
        var entry = Describe(httpContext, tenantId, action, target, status, detail);
        try
        {
            await log.AppendAsync(entry, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Recording the audit entry {Action} on {Target} failed.", action, target);
        }
    }

    /// <summary>The HTTP result an endpoint (filter) returned, unwrapped from a <c>Results&lt;…&gt;</c> union.</summary>
    public static object? Unwrap(object? result) => result is INestedHttpResult nested ? nested.Result : result;

    /// <summary>The status a returned result will answer with, else the response's current status.</summary>
    public static int StatusOf(object? result, HttpContext httpContext) =>
        (Unwrap(result) as IStatusCodeHttpResult)?.StatusCode ?? httpContext.Response.StatusCode;

    /// <summary>The entry <see cref="RecordAsync"/> appends (not yet appended: its id is 0).</summary>
    public AuditEntry Describe(HttpContext httpContext, string? tenantId, string action, string? target, int status, string? detail = null)
    {
        var user = httpContext.User;
        var authenticated = user.Identity?.IsAuthenticated == true;
        return new AuditEntry(
            0,
            time.GetUtcNow(),
            tenantId,
            authenticated ? AgentRagClaims.CallerOf(user) : Anonymous,
            !authenticated ? null
                : AgentRagClaims.IsPlatformAdmin(user) ? TenantRoles.PlatformAdmin
                : AgentRagClaims.RoleOf(user) is { } role ? TenantRoles.Name(role) : null,
            action,
            target,
            AuditOutcomes.FromStatus(status),
            status,
            httpContext.Connection.RemoteIpAddress?.ToString(),
            Activity.Current?.TraceId.ToHexString() ?? httpContext.TraceIdentifier,
            detail);
    }
}
