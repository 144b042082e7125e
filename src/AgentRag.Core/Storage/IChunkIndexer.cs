using AgentRag.Core.Documents;

namespace AgentRag.Core.Storage;

/// <summary>
/// The ingestion pipeline's indexing port: makes a ready document's chunks searchable.
/// Several indexers may be registered (keyword, vector); the pipeline calls each one.
/// </summary>
public interface IChunkIndexer
{
    /// <summary>
    /// The ingestion stage this indexer runs in: <see cref="IngestionStage.Indexing"/> (the default), which makes a
    /// document <c>ready</c>; or <see cref="IngestionStage.Embedding"/> for an indexer that calls an embedding model,
    /// which runs after <c>ready</c>, in the background and at a lower priority, with progress
    /// (<see cref="Document.EmbeddedChunks"/>). Null when the indexer has nothing to do in this configuration (e.g. no
    /// embedding model is configured): the pipeline then skips it, but still calls <see cref="RemoveAsync"/>.
    /// </summary>
    IngestionStage? Stage => IngestionStage.Indexing;

    /// <summary>
    /// For an <see cref="IngestionStage.Embedding"/> indexer, the model its vectors are made with (recorded on the
    /// document as <see cref="Document.EmbeddingModel"/>: a document embedded with another model is embedded again); null
    /// for any other indexer.
    /// </summary>
    string? EmbeddingModel => null;

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
