namespace AgentRag.Core.Security;

/// <summary>
/// An API key's public record. The key itself is never stored: only its keyed hash (see <see cref="IApiKeyStore"/>)
/// and <see cref="Prefix"/>, the key's first characters, so people can recognise it in a list.
/// </summary>
/// <param name="Id">The key's id (<c>key_…</c>), used to list and revoke it.</param>
/// <param name="TenantId">The tenant whose data the key may touch.</param>
/// <param name="PlatformAdmin">True for a platform administrator's key: an admin that may act for any tenant.</param>
public sealed record ApiKey(
    string Id,
    string TenantId,
    string Name,
    TenantRole Role,
    bool PlatformAdmin,
    string Prefix,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt)
{
    /// <summary>True when the key is neither revoked nor expired at <paramref name="now"/>.</summary>
    public bool IsActiveAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || now < ExpiresAt);
}
