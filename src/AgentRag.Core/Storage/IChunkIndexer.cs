using AgentRag.Core.Documents;

namespace AgentRag.Core.Storage;

/// <summary>
/// The ingestion pipeline's indexing port: makes a ready document's chunks searchable.
/// Several indexers may be registered (keyword, vector); the pipeline calls each one.
/// </summary>
public interface IChunkIndexer
{
    /// <summary>Indexes the document's chunks, replacing any earlier entries for it. Idempotent.</summary>
    Task IndexAsync(string tenantId, string documentId, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken = default);

    /// <summary>Removes every entry of the document. Takes effect for the next search. Idempotent.</summary>
    Task RemoveAsync(string tenantId, string documentId, CancellationToken cancellationToken = default);
}
