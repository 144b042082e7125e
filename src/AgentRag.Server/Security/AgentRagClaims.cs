using System.Security.Claims;
using AgentRag.Core;
using AgentRag.Core.Security;

namespace AgentRag.Server.Security;

/// <summary>The claims every authenticated AgentRag principal carries, whatever its credential.</summary>
public static class AgentRagClaims
{
    public const string Tenant = "agentrag:tenant";
    public const string Role = "agentrag:role";
    public const string PlatformAdmin = "agentrag:platform_admin";

    /// <summary><c>api_key</c>, <c>jwt</c> or <see cref="OpenCredential"/>.</summary>
    public const string Credential = "agentrag:credential";

    /// <summary>The <see cref="Credential"/> of a caller in open mode that presented no credential.</summary>
    public const string OpenCredential = "open";

    /// <summary>The identity used in audits: <c>name (key_…)</c> for an API key, the token's subject, or <c>local</c> in open mode.</summary>
    public const string Name = ClaimTypes.Name;

    /// <summary>The name of the caller in open mode, where there is no credential.</summary>
    public const string OpenModeCaller = "local";

    public static ClaimsPrincipal Create(string scheme, string credential, string name, string tenantId, TenantRole role, bool platformAdmin)
    {
        var identity = new ClaimsIdentity(scheme, Name, Role);
        identity.AddClaim(new Claim(Name, name));
        identity.AddClaim(new Claim(Tenant, tenantId));
        identity.AddClaim(new Claim(Role, TenantRoles.Name(role)));
        identity.AddClaim(new Claim(Credential, credential));
        if (platformAdmin)
        {
            identity.AddClaim(new Claim(PlatformAdmin, "true"));
        }

        return new ClaimsPrincipal(identity);
    }

    /// <summary>The tenant the credential belongs to; <see cref="Tenancy.DefaultTenant"/> for an unauthenticated principal.</summary>
    public static string TenantOf(ClaimsPrincipal user) => user.FindFirstValue(Tenant) ?? Tenancy.DefaultTenant;

    public static bool IsPlatformAdmin(ClaimsPrincipal user) => user.HasClaim(PlatformAdmin, "true");

    /// <summary>True for the open-mode caller (no credential, or one not recognised, on a loopback server).</summary>
    public static bool IsOpenMode(ClaimsPrincipal user) => user.HasClaim(Credential, "open");

    /// <summary>The principal's role; null when unauthenticated.</summary>
    public static TenantRole? RoleOf(ClaimsPrincipal user) =>
        TenantRoles.TryParse(user.FindFirstValue(Role), out var role) ? role : null;

    /// <summary>The caller's identity for audits.</summary>
    public static string CallerOf(ClaimsPrincipal user) => user.FindFirstValue(Name) ?? OpenModeCaller;
}
