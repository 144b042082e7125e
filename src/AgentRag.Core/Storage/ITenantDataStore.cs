namespace AgentRag.Core.Storage;

/// <summary>One table's rows of one tenant, as NDJSON (one JSON object a line, columns by name; blobs as base64).</summary>
public sealed record TenantTableExport(string Table, int Rows, byte[] Ndjson);

/// <summary>
/// Every row a tenant owns in the embedded store, whatever its kind: for a tenant's export and its erasure. A table
/// belongs to this scope when it has a <c>tenant_id</c> column, so a table added later is covered without a change here.
/// Thread-safe.
/// </summary>
public interface ITenantDataStore
{
    /// <summary>
    /// The tenant's rows of every tenant-scoped table (tables without rows included, with 0), read in one snapshot. Secrets
    /// (API key hashes) are left out. Throws <see cref="ArgumentException"/> for an invalid tenant id.
    /// </summary>
    Task<IReadOnlyList<TenantTableExport>> ExportAsync(string tenantId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes every row of <paramref name="tenantId"/> in one transaction and then scrubs the files, so that no freed
    /// page or journal keeps its text. Returns the rows deleted per table. Idempotent. Throws
    /// <see cref="ArgumentException"/> for an invalid tenant id.
    /// </summary>
    Task<IReadOnlyDictionary<string, int>> EraseAsync(string tenantId, CancellationToken cancellationToken = default);
}
