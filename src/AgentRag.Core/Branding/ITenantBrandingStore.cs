namespace AgentRag.Core.Branding;

/// <summary>
/// How the console presents a tenant: its product name and colours (<c>#rrggbb</c>); null fields keep the console's
/// defaults. <see cref="HasLogo"/> says whether a logo is stored (read it with <see cref="ITenantBrandingStore.GetLogoAsync"/>).
/// </summary>
public sealed record TenantBranding(
    string TenantId,
    string? ProductName,
    string? PrimaryColor,
    string? AccentColor,
    bool HasLogo,
    DateTimeOffset UpdatedAt);

/// <summary>A tenant's logo: its media type and bytes, as uploaded (already checked by the caller).</summary>
public sealed record BrandingLogo(string ContentType, byte[] Content, DateTimeOffset UpdatedAt);

/// <summary>Durable tenant branding, one record per tenant. Thread-safe; every read and write is scoped to one tenant.</summary>
public interface ITenantBrandingStore
{
    /// <summary>The tenant's branding; null when it never set any.</summary>
    Task<TenantBranding?> GetAsync(string tenantId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the tenant's name and colours (its logo is kept). Idempotent.</summary>
    Task SaveAsync(TenantBranding branding, CancellationToken cancellationToken = default);

    /// <summary>The tenant's logo; null when none.</summary>
    Task<BrandingLogo?> GetLogoAsync(string tenantId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the tenant's logo, or removes it when <paramref name="logo"/> is null (name and colours are kept). Idempotent.</summary>
    Task SaveLogoAsync(string tenantId, BrandingLogo? logo, DateTimeOffset updatedAt, CancellationToken cancellationToken = default);
}
