using AgentRag.Core.Documents;

namespace AgentRag.Core.Storage;

/// <summary>
/// The ingestion pipeline's indexing port: makes a ready document's chunks searchable.
/// Several indexers may be registered (keyword, vector); the pipeline calls each one.
/// </summary>
public interface IChunkIndexer
{
    /// <summary>
    /// The ingestion stage this indexer runs in: <see cref="IngestionStage.Indexing"/> (the default), or
    /// <see cref="IngestionStage.Embedding"/> for an indexer that calls an embedding model, which the pipeline runs as a
    /// stage of its own, before indexing, with progress. Null when the indexer has nothing to do in this configuration
    /// (e.g. no embedding model is configured): the pipeline then skips it, but still calls <see cref="RemoveAsync"/>.
    /// </summary>
    IngestionStage? Stage => IngestionStage.Indexing;

    /// <summary>Indexes the document's chunks, replacing any earlier entries for it. Idempotent.</summary>
    Task IndexAsync(string tenantId, string documentId, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken = default);

    /// <summary>
    /// Like <see cref="IndexAsync(string, string, IReadOnlyList{Chunk}, CancellationToken)"/>, reporting how many of the
    /// chunks are done as work proceeds (the default reports nothing). Idempotent.
    /// </summary>
    Task IndexAsync(string tenantId, string documentId, IReadOnlyList<Chunk> chunks, IProgress<int>? progress, CancellationToken cancellationToken = default) =>
        IndexAsync(tenantId, documentId, chunks, cancellationToken);

    /// <summary>Removes every entry of the document. Takes effect for the next search. Idempotent.</summary>
    Task RemoveAsync(string tenantId, string documentId, CancellationToken cancellationToken = default);
}
