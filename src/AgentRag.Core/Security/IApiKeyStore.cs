namespace AgentRag.Core.Security;

/// <summary>
/// Durable API key records, found by the keyed hash of the key. Implementations are thread-safe; a revocation is
/// visible to the next <see cref="FindByHashAsync"/> in any process that shares the store.
/// </summary>
public interface IApiKeyStore
{
    /// <summary>Stores a new key with its hash. Throws <see cref="InvalidOperationException"/> when the id or the hash exists.</summary>
    Task CreateAsync(ApiKey key, byte[] hash, CancellationToken cancellationToken = default);

    /// <summary>The key whose hash is <paramref name="hash"/>, revoked and expired ones included; null when none.</summary>
    Task<ApiKey?> FindByHashAsync(byte[] hash, CancellationToken cancellationToken = default);

    /// <summary>The key <paramref name="id"/>; null when unknown.</summary>
    Task<ApiKey?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Keys of <paramref name="tenantId"/> (every tenant's when null), newest first.</summary>
    Task<IReadOnlyList<ApiKey>> ListAsync(string? tenantId, CancellationToken cancellationToken = default);

    /// <summary>True when at least one key exists (revoked or not).</summary>
    Task<bool> AnyAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Revokes key <paramref name="id"/> at <paramref name="at"/> (of <paramref name="tenantId"/> only, when given).
    /// Returns the key as revoked, or null when no such key. Idempotent: a revoked key keeps its first revocation time.
    /// </summary>
    Task<ApiKey?> RevokeAsync(string id, string? tenantId, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Records that key <paramref name="id"/> was used at <paramref name="at"/> (best effort; may be batched).</summary>
    Task TouchAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// The secret keys are hashed with when none is configured: the one stored beside the keys, or, when there is none
    /// yet, <paramref name="create"/>'s value, stored. Every caller of every process sharing the store gets the same value,
    /// also when several create it at once (replicas starting together on an empty database), so a key made through one
    /// process authenticates through the others. The value is never exported, logged or erased with a tenant.
    /// </summary>
    Task<string> GetOrCreateKeySecretAsync(Func<string> create, CancellationToken cancellationToken = default);
}
