using System.ComponentModel.DataAnnotations;

namespace AgentRag.Server.Security;

/// <summary>Whether requests must carry a credential.</summary>
public enum AuthMode
{
    /// <summary>No credential needed: every caller acts as a platform administrator. Allowed only on loopback addresses.</summary>
    Open,

    /// <summary>Every request except health and OpenAPI needs an API key or a JWT.</summary>
    Required,
}

/// <summary>Authentication settings (section <c>AgentRag:Auth</c>). See docs/security.md.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "AgentRag:Auth";

    /// <summary><see cref="AuthMode.Open"/> (default, loopback only) or <see cref="AuthMode.Required"/>; <c>agentrag serve --auth</c>.</summary>
    public AuthMode Mode { get; set; } = AuthMode.Open;

    /// <summary>
    /// The secret API keys are hashed with (HMAC-SHA256), at least 32 characters. Losing it invalidates every key;
    /// cluster replicas must share it. Else <see cref="KeySecretFile"/>, else generated into <c>&lt;data&gt;/secrets/</c>.
    /// </summary>
    [MinLength(32)]
    public string? KeySecret { get; set; }

    /// <summary>A file holding <see cref="KeySecret"/> (e.g. a mounted Kubernetes secret).</summary>
    public string? KeySecretFile { get; set; }

    /// <summary>
    /// A platform-admin key to accept (at least 32 characters), registered at start when missing, so that every replica
    /// of a cluster shares one instead of each inventing its own. Else <see cref="BootstrapKeyFile"/>; else, in
    /// <see cref="AuthMode.Required"/> mode with no keys at all, one is generated and written to
    /// <c>&lt;data&gt;/secrets/bootstrap-admin.key</c>.
    /// </summary>
    [MinLength(32)]
    public string? BootstrapKey { get; set; }

    /// <summary>A file holding <see cref="BootstrapKey"/>.</summary>
    public string? BootstrapKeyFile { get; set; }

    /// <summary>JWT bearer tokens from an identity provider; off unless a signing key or JWKS is configured.</summary>
    public JwtOptions Jwt { get; set; } = new();
}

/// <summary>JWT bearer settings (section <c>AgentRag:Auth:Jwt</c>).</summary>
public sealed class JwtOptions
{
    /// <summary>The HS256 secret (at least 32 bytes of UTF-8).</summary>
    [MinLength(32)]
    public string? SigningKey { get; set; }

    /// <summary>A JSON Web Key Set file with the RS256/ES256 public keys.</summary>
    public string? JwksFile { get; set; }

    /// <summary>A JSON Web Key Set URL, fetched at first use and refreshed every <see cref="JwksRefreshInterval"/>.</summary>
    public Uri? JwksUrl { get; set; }

    /// <summary>Refuse a non-HTTPS <see cref="JwksUrl"/> (default true; turn off only for tests on loopback).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>How often the <see cref="JwksUrl"/> key set is fetched again.</summary>
    public TimeSpan JwksRefreshInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The required <c>iss</c>; null accepts any issuer.</summary>
    public string? Issuer { get; set; }

    /// <summary>The required <c>aud</c>; null accepts any audience.</summary>
    public string? Audience { get; set; }

    /// <summary>The claim that names the tenant (required in every token).</summary>
    [Required]
    public string TenantClaim { get; set; } = "tenant";

    /// <summary>The claim with the role: <c>viewer</c>, <c>member</c>, <c>admin</c> or <c>platform-admin</c> (default viewer).</summary>
    [Required]
    public string RoleClaim { get; set; } = "role";

    /// <summary>The claim that names the caller (the approver in approval audits).</summary>
    [Required]
    public string NameClaim { get; set; } = "sub";

    /// <summary>Clock skew allowed on <c>exp</c> and <c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>True when any signing key source is configured.</summary>
    public bool Enabled => SigningKey is not null || JwksFile is not null || JwksUrl is not null;
}
