namespace AgentRag.Core.Storage;

/// <summary>
/// What a tenant uses of its quotas: its documents and their bytes, and its queries per UTC day. Every method is
/// tenant-scoped. Implementations are thread-safe, and <see cref="TryCountQueryAsync"/> is atomic across processes
/// sharing the store.
/// </summary>
public interface ITenantQuotaStore
{
    /// <summary>The tenant's documents (in any status) and the sum of their original sizes in bytes.</summary>
    Task<TenantStorageUse> GetStorageUseAsync(string tenantId, CancellationToken cancellationToken = default);

    /// <summary>How many queries the tenant made on <paramref name="day"/> (UTC); 0 when none.</summary>
    Task<long> GetQueriesAsync(string tenantId, DateOnly day, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts one query of the tenant on <paramref name="day"/> unless the day's count has reached
    /// <paramref name="limit"/>. Returns whether it was counted and the day's count afterwards.
    /// </summary>
    Task<(bool Counted, long Used)> TryCountQueryAsync(string tenantId, DateOnly day, long limit, CancellationToken cancellationToken = default);
}

/// <summary>A tenant's stored documents and their bytes.</summary>
public readonly record struct TenantStorageUse(long Documents, long Bytes);
