using AgentRag.Core.Documents;

namespace AgentRag.Core.Storage;

/// <summary>
/// Durable store of documents, their page text and chunks. Every method is tenant-scoped: a record of
/// another tenant is never returned, changed or deleted, and an invalid tenant id (see <see cref="Tenancy"/>) throws
/// <see cref="ArgumentException"/> naming <c>tenantId</c>. Implementations are thread-safe.
/// </summary>
public interface IDocumentStore
{
    /// <summary>Returns the document in any status, or null when the tenant has no such document.</summary>
    Task<Document?> GetAsync(string tenantId, string documentId, CancellationToken cancellationToken = default);

    /// <summary>Returns the tenant's document with this content hash, or null.</summary>
    Task<Document?> FindBySha256Async(string tenantId, string sha256, CancellationToken cancellationToken = default);

    /// <summary>
    /// Pages through the tenant's documents, newest first. Throws <see cref="ArgumentOutOfRangeException"/> for a negative
    /// offset or a limit outside 1–1000.
    /// </summary>
    Task<DocumentList> ListAsync(string tenantId, DocumentListQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inserts a new document. Throws <see cref="DuplicateDocumentException"/> when the tenant already has a document
    /// with the same SHA-256 (the existing one is on the exception), so concurrent uploads of one file make one document.
    /// </summary>
    Task InsertAsync(Document document, CancellationToken cancellationToken = default);

    /// <summary>Replaces the document's state fields (status, stage, progress, counts, error, warnings, metadata).
    /// Returns false when the document no longer exists (it was deleted meanwhile).</summary>
    Task<bool> UpdateAsync(Document document, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically replaces the document's pages and chunks. Idempotent. Throws <see cref="KeyNotFoundException"/> naming
    /// the document when the tenant has no such document, and <see cref="ArgumentException"/> for a chunk of another
    /// document; either way nothing is written.
    /// </summary>
    Task SaveContentAsync(string tenantId, string documentId, IReadOnlyList<DocumentPage> pages, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken = default);

    /// <summary>Atomically removes the document's pages and chunks (a failed ingestion leaves none behind).</summary>
    Task ClearContentAsync(string tenantId, string documentId, CancellationToken cancellationToken = default);

    /// <summary>The document's chunks in ordinal order; empty when the document is unknown.</summary>
    Task<IReadOnlyList<Chunk>> GetChunksAsync(string tenantId, string documentId, CancellationToken cancellationToken = default);

    /// <summary>Chunks by id, in the order asked; unknown ids are skipped.</summary>
    Task<IReadOnlyList<Chunk>> GetChunksByIdAsync(string tenantId, IReadOnlyList<string> chunkIds, CancellationToken cancellationToken = default);

    /// <summary>One page's stored text, or null.</summary>
    Task<DocumentPage?> GetPageAsync(string tenantId, string documentId, int pageNumber, CancellationToken cancellationToken = default);

    /// <summary>Deletes the document with its pages and chunks. Returns false when there was none.</summary>
    Task<bool> DeleteAsync(string tenantId, string documentId, CancellationToken cancellationToken = default);

    /// <summary>Documents of every tenant that are pending or processing: the work to resume after a restart.</summary>
    Task<IReadOnlyList<Document>> ListUnfinishedAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Records the document's embedding progress (<see cref="Document.EmbeddedChunks"/> of <see cref="Document.EmbeddingModel"/>)
    /// and nothing else, only while the document is still ready in run <paramref name="attempt"/>: returns false, changing
    /// nothing, when it was deleted, reset for reprocessing or processed again meanwhile, so a late embedding never
    /// overwrites a newer run's state.
    /// </summary>
    Task<bool> UpdateEmbeddingAsync(
        string tenantId, string documentId, int attempt, string model, int embeddedChunks, DateTimeOffset updatedAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ready documents of every tenant that are not fully embedded with <paramref name="model"/> (never embedded, embedded by
    /// another model, or interrupted), oldest ready first: the embedding work to resume after a restart or a model change.
    /// </summary>
    Task<IReadOnlyList<Document>> ListAwaitingEmbeddingAsync(string model, CancellationToken cancellationToken = default);
}

/// <summary>A page of the document list.</summary>
public sealed record DocumentListQuery(DocumentStatus? Status = null, int Offset = 0, int Limit = 50);

/// <summary>One page of documents and the total that match.</summary>
public sealed record DocumentList(IReadOnlyList<Document> Items, int Total);

/// <summary>Thrown when a tenant already holds a document with the same content.</summary>
public sealed class DuplicateDocumentException(Document existing)
    : Exception($"The tenant already has document '{existing.Id}' with the same content.")
{
    public Document Existing { get; } = existing;
}
