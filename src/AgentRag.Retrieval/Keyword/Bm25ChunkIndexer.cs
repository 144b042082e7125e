using AgentRag.Core.Documents;
using AgentRag.Core.Search;
using AgentRag.Core.Storage;

namespace AgentRag.Retrieval.Keyword;

/// <summary>
/// The ingestion pipeline's keyword indexing stage: puts a document's chunks into the tenant's <see cref="IKeywordIndex"/>.
/// Thread-safe; both methods are idempotent and durable when they return.
/// </summary>
public sealed class Bm25ChunkIndexer(IKeywordIndex catalog) : IChunkIndexer
{
    /// <inheritdoc />
    /// <exception cref="ArgumentException">A chunk belongs to another tenant or document, or two chunks share an id.</exception>
    public Task IndexAsync(string tenantId, string documentId, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var entries = new List<(string, string)>(chunks.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in chunks)
        {
            if (chunk.TenantId != tenantId || chunk.DocumentId != documentId)
            {
                throw new ArgumentException(
                    $"Chunk '{chunk.Id}' belongs to tenant '{chunk.TenantId}', document '{chunk.DocumentId}', not tenant '{tenantId}', document '{documentId}'.",
                    nameof(chunks));
            }

            if (!seen.Add(chunk.Id))
            {
                throw new ArgumentException($"Chunk id '{chunk.Id}' occurs twice in document '{documentId}'.", nameof(chunks));
            }

            entries.Add((chunk.Id, chunk.Text));
        }

        return catalog.ReplaceDocumentAsync(tenantId, documentId, entries, cancellationToken);
    }

    /// <inheritdoc />
    public Task RemoveAsync(string tenantId, string documentId, CancellationToken cancellationToken = default) =>
        catalog.RemoveDocumentAsync(tenantId, documentId, cancellationToken);
}
