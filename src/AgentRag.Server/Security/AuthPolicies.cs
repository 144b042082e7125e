using AgentRag.Core.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace AgentRag.Server.Security;

/// <summary>
/// The authorization policies the endpoint groups require (the route × role matrix in docs/security.md). Roles are
/// ordered: a policy for a role admits every higher role; <see cref="PlatformAdmin"/> admits only platform
/// administrators.
/// </summary>
public static class AuthPolicies
{
    public const string Viewer = "viewer";
    public const string Member = "member";
    public const string Admin = "admin";
    public const string PlatformAdmin = "platform-admin";

    /// <summary>Every policy name, lowest first.</summary>
    public static IReadOnlyList<string> All { get; } = [Viewer, Member, Admin, PlatformAdmin];

    internal static void Add(AuthorizationBuilder builder)
    {
        builder.AddPolicy(Viewer, p => p.AddRequirements(new RoleRequirement(TenantRole.Viewer, false)));
        builder.AddPolicy(Member, p => p.AddRequirements(new RoleRequirement(TenantRole.Member, false)));
        builder.AddPolicy(Admin, p => p.AddRequirements(new RoleRequirement(TenantRole.Admin, false)));
        builder.AddPolicy(PlatformAdmin, p => p.AddRequirements(new RoleRequirement(TenantRole.Admin, true)));

        // An endpoint that names no policy still needs an authenticated caller; health and OpenAPI opt out explicitly.
        builder.SetFallbackPolicy(new AuthorizationPolicyBuilder().AddRequirements(new RoleRequirement(TenantRole.Viewer, false)).Build());
    }

    /// <summary>Admits an authenticated caller whose role is at least <see cref="Minimum"/> (and a platform admin, when asked).</summary>
    public sealed record RoleRequirement(TenantRole Minimum, bool PlatformAdminOnly) : IAuthorizationRequirement
    {
        public string Describe() => PlatformAdminOnly ? "a platform administrator" : $"the {TenantRoles.Name(Minimum)} role or higher";
    }

    internal sealed class RoleRequirementHandler : AuthorizationHandler<RoleRequirement>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, RoleRequirement requirement)
        {
            if (context.User.Identity?.IsAuthenticated == true
                && AgentRagClaims.RoleOf(context.User) is { } role
                && role >= requirement.Minimum
                && (!requirement.PlatformAdminOnly || AgentRagClaims.IsPlatformAdmin(context.User)))
            {
                context.Succeed(requirement);
            }

            return Task.CompletedTask;
        }
    }

    /// <summary>Answers an authenticated caller that a policy refuses with a 403 ProblemDetails naming the role it needs.</summary>
    internal sealed class ProblemResultHandler : IAuthorizationMiddlewareResultHandler
    {
        private readonly AuthorizationMiddlewareResultHandler _default = new();

        public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
        {
            if (!authorizeResult.Forbidden)
            {
                await _default.HandleAsync(next, context, policy, authorizeResult);
                return;
            }

            var needed = authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<RoleRequirement>().FirstOrDefault();
            var role = AgentRagClaims.RoleOf(context.User) is { } r ? TenantRoles.Name(r) : "none";
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status403Forbidden,
                    Title = "Forbidden",
                    Detail = needed is null
                        ? authorizeResult.AuthorizationFailure?.FailureReasons.FirstOrDefault()?.Message ?? "This credential may not do this."
                        : $"This needs {needed.Describe()}; the credential has the {role} role.",
                },
            });
        }
    }
}
