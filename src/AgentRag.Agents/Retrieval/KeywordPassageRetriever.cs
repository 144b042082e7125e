using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
using AgentRag.Retrieval.Keyword;
using AgentRag.Retrieval.Query;

namespace AgentRag.Agents.Retrieval;

/// <summary>
/// BM25 passage retrieval: <see cref="KeywordSearcher"/> ranks chunks for the query as free text (so a question's
/// quotes, hyphens or parentheses are words, not operators), and <see cref="IDocumentStore"/> supplies each chunk's
/// text, pages, heading path and document name. Hits whose chunk or document disappeared meanwhile (deleted) are
/// skipped. Thread-safe.
/// </summary>
public sealed class KeywordPassageRetriever(KeywordSearcher searcher, IDocumentStore store) : IPassageRetriever
{
    public async Task<IReadOnlyList<RetrievedPassage>> RetrieveAsync(
        string tenantId, string query, int k, SearchFilters? filters = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var hits = await searcher.SearchAsync(tenantId, KeywordQuery.FreeText(query), k, filters, rm3: null, cancellationToken);
        if (hits.Count == 0)
        {
            return [];
        }

        var chunks = (await store.GetChunksByIdAsync(tenantId, [.. hits.Select(h => h.ChunkId)], cancellationToken))
            .ToDictionary(c => c.Id, StringComparer.Ordinal);
        var documents = new Dictionary<string, Document?>(StringComparer.Ordinal);
        var passages = new List<RetrievedPassage>(hits.Count);
        foreach (var hit in hits)
        {
            if (!chunks.TryGetValue(hit.ChunkId, out var chunk))
            {
                continue;
            }

            if (!documents.TryGetValue(chunk.DocumentId, out var document))
            {
                document = await store.GetAsync(tenantId, chunk.DocumentId, cancellationToken);
                documents[chunk.DocumentId] = document;
            }

            if (document is null)
            {
                continue;
            }

            passages.Add(new RetrievedPassage
            {
                ChunkId = chunk.Id,
                DocumentId = chunk.DocumentId,
                DocumentName = document.FileName,
                Ordinal = chunk.Ordinal,
                Pages = chunk.Pages,
                HeadingPath = chunk.HeadingPath,
                Text = chunk.Text,
                Spans = chunk.Spans,
                Score = hit.Score,
            });
        }

        return passages;
    }
}
