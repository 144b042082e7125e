namespace AgentRag.Core.Search;

/// <summary>
/// The vector index port: each tenant's chunk embeddings, searchable by cosine similarity. Every method is
/// tenant-scoped, as in <see cref="IKeywordIndex"/>. A tenant's vectors record the embedding model that made them;
/// vectors of another model are never mixed in. Changes are durable when the returned task completes. Implementations
/// are thread-safe; searches run concurrently with writes, and writes to one tenant are serialized. Every method throws
/// <see cref="ArgumentException"/> for an invalid tenant id. The embedded implementation is
/// <c>AgentRag.Retrieval.Vectors.VectorIndexCatalog</c> (files under the data folder).
/// </summary>
public interface IVectorStore
{
    /// <summary>
    /// Replaces the document's vectors. Idempotent. When the tenant's vectors were made by another model or have other
    /// dimensions, they are discarded first: the tenant's other documents then have no vectors until they are
    /// reprocessed. Throws <see cref="ArgumentException"/> for vectors of mixed dimensions, a non-finite component or
    /// zero length; nothing is changed then.
    /// </summary>
    Task ReplaceDocumentAsync(
        string tenantId, string documentId, string model, IReadOnlyList<(string ChunkId, float[] Vector)> vectors, CancellationToken cancellationToken = default);

    /// <summary>Removes the document's vectors; the next search no longer sees them. Idempotent.</summary>
    Task RemoveDocumentAsync(string tenantId, string documentId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The <paramref name="k"/> chunks most similar to <paramref name="query"/>, best first, restricted to
    /// <paramref name="allowedDocuments"/> when given. Empty when the tenant has no vectors. Throws
    /// <see cref="VectorModelMismatchException"/> when the tenant's vectors were made by another model or have other
    /// dimensions than the query's, and <see cref="ArgumentOutOfRangeException"/> when k is not positive.
    /// </summary>
    Task<IReadOnlyList<DenseHit>> SearchAsync(
        string tenantId, string model, ReadOnlyMemory<float> query, int k, IReadOnlySet<string>? allowedDocuments = null, CancellationToken cancellationToken = default);

    /// <summary>What the tenant's vectors are (empty when nothing was embedded).</summary>
    Task<VectorIndexInfo> GetInfoAsync(string tenantId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies the changes other processes made to the tenant's vectors since this one last read or wrote them, and
    /// returns true if there were any (see <see cref="IKeywordIndex.RefreshAsync"/>).
    /// </summary>
    Task<bool> RefreshAsync(string tenantId, CancellationToken cancellationToken = default);

    /// <summary>Compacts what this process holds (see <see cref="IKeywordIndex.SaveAllAsync"/>).</summary>
    Task SaveAllAsync(CancellationToken cancellationToken = default);

    /// <summary>Drops everything of the tenant's vectors. Idempotent.</summary>
    Task EraseTenantAsync(string tenantId, CancellationToken cancellationToken = default);
}

/// <summary>A chunk found by vector search, with its document and cosine similarity to the query.</summary>
public readonly record struct DenseHit(string ChunkId, string DocumentId, float Score);

/// <summary>What a tenant's vector index holds: the embedding model that made it, its dimensions and size.</summary>
public sealed record VectorIndexInfo(string? Model, int Dimensions, int Vectors, int Documents, bool IsApproximate);

/// <summary>A tenant's vectors were made by another embedding model (or with other dimensions) than the query's.</summary>
public sealed class VectorModelMismatchException(string message) : Exception(message);
