namespace AgentRag.Core.Security;

/// <summary>What a credential may do within its tenant. Each role includes every permission of the roles below it.</summary>
public enum TenantRole
{
    /// <summary>Search, ask, read documents and its own sessions.</summary>
    Viewer = 1,

    /// <summary>A viewer's permissions plus upload, reprocess and delete documents, and feedback.</summary>
    Member = 2,

    /// <summary>A member's permissions plus keys, usage, prompts, budgets, approval decisions and tenant settings.</summary>
    Admin = 3,
}

/// <summary>Role names as they appear in keys, tokens, the CLI and the API (<c>viewer</c>, <c>member</c>, <c>admin</c>).</summary>
public static class TenantRoles
{
    /// <summary>The role claim value of a platform administrator: a tenant admin that may also act for any tenant.</summary>
    public const string PlatformAdmin = "platform-admin";

    public static string Name(TenantRole role) => role switch
    {
        TenantRole.Viewer => "viewer",
        TenantRole.Member => "member",
        TenantRole.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown role."),
    };

    /// <summary>Parses <c>viewer</c>, <c>member</c> or <c>admin</c> (case-insensitive); false for anything else.</summary>
    public static bool TryParse(string? text, out TenantRole role)
    {
        role = default;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "viewer": role = TenantRole.Viewer; return true;
            case "member": role = TenantRole.Member; return true;
            case "admin": role = TenantRole.Admin; return true;
            default: return false;
        }
    }
}
