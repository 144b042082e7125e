using AgentRag.Core;
using AgentRag.Server.Auditing;
using AgentRag.Server.Security;

namespace AgentRag.Server.Hosting;

/// <summary>
/// Decides the caller's tenant for every <c>/v1</c> route and <c>/mcp</c>: the tenant the credential belongs to. The
/// <c>X-Tenant-ID</c> header may name another tenant only for a platform administrator (in open mode every caller is
/// one), and is refused with 403 otherwise; a malformed id is refused with 400.
/// </summary>
public sealed class TenantEndpointFilter : IEndpointFilter
{
    public const string HeaderName = "X-Tenant-ID";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var httpContext = context.HttpContext;
        var requested = RequestedTenant(httpContext);
        if (requested is not null && !Tenancy.IsValidTenantId(requested))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Invalid tenant",
                detail: $"The {HeaderName} header must be {Tenancy.Rule}; got '{requested}'.");
        }

        var own = AgentRagClaims.TenantOf(httpContext.User);
        if (requested is not null && requested != own && !AgentRagClaims.IsPlatformAdmin(httpContext.User))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "Forbidden",
                detail: $"This credential belongs to another tenant than the one {HeaderName} names; only a platform administrator may act for another tenant.");
        }

        var tenantId = Resolve(httpContext);
        using var scope = httpContext.RequestServices.GetRequiredService<ILoggerFactory>()
            .CreateLogger("AgentRag.Tenancy").BeginScope(new Dictionary<string, object?> { ["TenantId"] = tenantId });
        System.Diagnostics.Activity.Current?.SetTag("agentrag.tenant", tenantId);
        if (requested is null || requested == own || AgentRagClaims.IsOpenMode(httpContext.User))
        {
            return await next(context);
        }

        // A platform administrator's credential acting for another tenant is audited, whatever the route. Open mode is
        // not: its one caller is the local administrator, and X-Tenant-ID is how it picks a tenant, not a boundary crossed.
        var result = await next(context);
        // The entry is in the platform scope, so it outlives the erasure of either tenant.
        await httpContext.RequestServices.GetRequiredService<AuditRecorder>().RecordAsync(
            httpContext, tenantId: null, AuditActions.CrossTenant, $"{httpContext.Request.Method} {httpContext.Request.Path}",
            AuditRecorder.StatusOf(result, httpContext), $"for tenant {requested}; home tenant {own}");
        return result;
    }

    /// <summary>
    /// The tenant the request acts for: <c>X-Tenant-ID</c> for a platform administrator that sends it (not yet
    /// validated: the filter refuses malformed ids before a handler runs), else the credential's tenant.
    /// </summary>
    public static string Resolve(HttpContext httpContext) =>
        AgentRagClaims.IsPlatformAdmin(httpContext.User) && RequestedTenant(httpContext) is { } requested
            ? requested
            : AgentRagClaims.TenantOf(httpContext.User);

    private static string? RequestedTenant(HttpContext httpContext) =>
        httpContext.Request.Headers[HeaderName].ToString() is { } header && !string.IsNullOrWhiteSpace(header) ? header.Trim() : null;
}

/// <summary>The caller's tenant, bindable as a minimal-API handler parameter (checked by <see cref="TenantEndpointFilter"/>).</summary>
public readonly record struct TenantId(string Value)
{
    public static ValueTask<TenantId> BindAsync(HttpContext httpContext) =>
        ValueTask.FromResult(new TenantId(TenantEndpointFilter.Resolve(httpContext)));

    public override string ToString() => Value;
}
