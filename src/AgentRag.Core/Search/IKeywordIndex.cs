namespace AgentRag.Core.Search;

/// <summary>
/// The keyword (BM25) index port: each tenant's chunks, searchable by a parsed keyword query. Every method is
/// tenant-scoped: a tenant's search never sees another tenant's chunks, and a change to one tenant leaves the others
/// alone. Changes are durable when the returned task completes. Implementations are thread-safe; searches may run
/// concurrently with writes, and writes to one tenant are serialized. Every method throws
/// <see cref="ArgumentException"/> for an invalid tenant id (see <see cref="Tenancy.IsValidTenantId"/>).
/// The embedded implementation is <c>AgentRag.Retrieval.Keyword.Bm25IndexCatalog</c> (files under the data folder).
/// </summary>
public interface IKeywordIndex
{
    /// <summary>
    /// Replaces the document's chunks (none: the document's entries are removed). A chunk id belongs to one document.
    /// Idempotent.
    /// </summary>
    Task ReplaceDocumentAsync(string tenantId, string documentId, IReadOnlyList<(string ChunkId, string Text)> chunks, CancellationToken cancellationToken = default);

    /// <summary>Removes the document's chunks; the next search no longer sees them. Idempotent; a no-op for an unknown document.</summary>
    Task RemoveDocumentAsync(string tenantId, string documentId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The <paramref name="k"/> best chunks for <paramref name="query"/>, best first, ties broken by the earlier-indexed
    /// chunk; restricted to <paramref name="allowedDocuments"/> when given (empty: no hits). A null query (a query of
    /// filters only) or a tenant with nothing indexed has no hits. <paramref name="rm3"/>, when given, expands the query
    /// by RM3 pseudo-relevance feedback first. Throws <see cref="ArgumentOutOfRangeException"/> when k is not positive
    /// or the RM3 settings are out of range.
    /// </summary>
    Task<IReadOnlyList<KeywordHit>> SearchAsync(
        string tenantId, QueryNode? query, int k, IReadOnlySet<string>? allowedDocuments = null, Rm3Options? rm3 = null, CancellationToken cancellationToken = default);

    /// <summary>What the tenant's index holds now (zero counts when nothing was indexed).</summary>
    Task<KeywordIndexInfo> GetInfoAsync(string tenantId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The most a free-text query of <paramref name="text"/> could score on one chunk, per term weight: the sum of the
    /// idf of its distinct analyzed terms over the tenant's chunks (a term no chunk has counts at its highest idf).
    /// Zero when the tenant has no chunks. Scales a hit's score to a share of what the query could score.
    /// </summary>
    Task<double> GetScoreBoundAsync(string tenantId, string text, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies the changes other processes made to the tenant's index since this one last read or wrote it, and returns
    /// true if there were any. False for a backend every process reads directly (nothing to catch up with) and for a
    /// tenant this process has not loaded.
    /// </summary>
    Task<bool> RefreshAsync(string tenantId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Compacts what this process holds (the embedded index writes a snapshot of every loaded tenant, so the next start
    /// replays no journal). Durability never depends on it. A no-op for a backend with nothing to compact.
    /// </summary>
    Task SaveAllAsync(CancellationToken cancellationToken = default);

    /// <summary>Drops everything of the tenant's index. Idempotent.</summary>
    Task EraseTenantAsync(string tenantId, CancellationToken cancellationToken = default);
}

/// <summary>A ranked keyword hit: the chunk, its document and its BM25 score.</summary>
public readonly record struct KeywordHit(string ChunkId, string DocumentId, float Score);

/// <summary>What a tenant's keyword index holds: its live (searchable) chunks.</summary>
public sealed record KeywordIndexInfo(int Chunks);
