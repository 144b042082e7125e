using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AgentRag.Server.Apis;

/// <summary>
/// <c>GET /v1/auth/status</c>, for any caller: whether the server needs a credential (<c>open</c> or <c>required</c>) and,
/// when the request carries one the server accepts (or the server is open), whose it is and the tenant it acts for. A client such as the web
/// console asks it before showing a sign-in form. It reveals nothing a caller does not already hold.
/// </summary>
public static class AuthStatusApi
{
    /// <summary>The server's mode and the caller's identity (tenant, role, name) when authenticated.</summary>
    public sealed record AuthStatus(string Mode, bool Authenticated, string? Tenant, string? Role, string? Caller);

    public static IEndpointRouteBuilder MapAuthStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/auth/status", GetStatus).WithTags("Auth").WithName("GetAuthStatus")
            .WithSummary("Whether the server needs a credential, and whose credential the request carries.")
            .AddEndpointFilter<TenantEndpointFilter>()
            .AllowAnonymous();
        return app;
    }

    internal static Ok<AuthStatus> GetStatus(HttpContext httpContext, TenantId tenant, IOptions<AuthOptions> options)
    {
        var user = httpContext.User;
        var mode = options.Value.Mode == AuthMode.Open ? "open" : "required";
        if (user.Identity?.IsAuthenticated != true || AgentRagClaims.RoleOf(user) is not { } role)
        {
            return TypedResults.Ok(new AuthStatus(mode, false, null, null, null));
        }

        var roleName = AgentRagClaims.IsPlatformAdmin(user) ? AuthPolicies.PlatformAdmin : Core.Security.TenantRoles.Name(role);
        return TypedResults.Ok(new AuthStatus(mode, true, tenant.Value, roleName, AgentRagClaims.CallerOf(user)));
    }
}
