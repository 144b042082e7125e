using AgentRag.Core.Audit;

namespace AgentRag.Server.Auditing;

/// <summary>Wiring of the audit log.</summary>
public static class AuditServiceCollectionExtensions
{
    /// <summary>Registers <see cref="AuditRecorder"/>. Audit retention is the retention job's (<c>AgentRag:Retention:AuditDays</c>).</summary>
    public static IServiceCollection AddAgentRagAudit(this IServiceCollection services)
    {
        services.AddSingleton<AuditRecorder>();
        return services;
    }

    /// <summary>
    /// Records every request answered 401 as <see cref="AuditActions.AuthenticationFailure"/> in the platform scope (the
    /// tenant of a caller without a valid credential is unknown). Place it before authentication.
    /// </summary>
    public static IApplicationBuilder UseAgentRagAuthenticationAudit(this IApplicationBuilder app) =>
        app.Use(async (httpContext, next) =>
        {
            await next(httpContext);
            if (httpContext.Response.StatusCode == StatusCodes.Status401Unauthorized)
            {
                var presented = Security.AgentRagAuthenticationHandler.ReadCredential(httpContext.Request) is null ? "no credential" : "invalid credential";
                await httpContext.RequestServices.GetRequiredService<AuditRecorder>().RecordAsync(
                    httpContext, tenantId: null, AuditActions.AuthenticationFailure,
                    target: $"{httpContext.Request.Method} {httpContext.Request.Path}", StatusCodes.Status401Unauthorized, presented);
            }
        });
}
