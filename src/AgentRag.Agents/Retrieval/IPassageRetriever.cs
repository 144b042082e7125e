using AgentRag.Core.Documents;
using AgentRag.Retrieval.Query;

namespace AgentRag.Agents.Retrieval;

/// <summary>
/// Finds the passages (chunks with their text and provenance) that best answer a natural-language query. The
/// default is BM25 (<see cref="KeywordPassageRetriever"/>); hybrid search replaces it when configured. Thread-safe.
/// </summary>
public interface IPassageRetriever
{
    /// <summary>
    /// The tenant's best <paramref name="k"/> passages for <paramref name="query"/> (free text, no query syntax), best
    /// first; only documents that are ready are searched. Throws <see cref="OperationCanceledException"/> when cancelled.
    /// </summary>
    Task<IReadOnlyList<RetrievedPassage>> RetrieveAsync(string tenantId, string query, int k, SearchFilters? filters = null, CancellationToken cancellationToken = default);
}

/// <summary>A retrieved chunk with what a citation needs: its document, pages, heading path, text and source spans.</summary>
public sealed record RetrievedPassage
{
    public required string ChunkId { get; init; }

    public required string DocumentId { get; init; }

    /// <summary>The document's file name, e.g. <c>R-intro.pdf</c>.</summary>
    public required string DocumentName { get; init; }

    /// <summary>1-based physical pages; empty for formats without pages.</summary>
    public IReadOnlyList<int> Pages { get; init; } = [];

    public string HeadingPath { get; init; } = "";

    public required string Text { get; init; }

    public IReadOnlyList<SourceSpan> Spans { get; init; } = [];

    /// <summary>The retriever's ranking score (BM25, fused, or re-ranked); comparable only within one result list.</summary>
    public double Score { get; init; }

    /// <summary>
    /// How strongly the passage matches the query's keywords, comparable across queries and collections: its BM25 score
    /// in units of the highest weight a single term can have in the tenant's index (the idf of a term found in one chunk,
    /// ln(1 + (N − 0.5) / 1.5) for N chunks). About 1 is one rare term matched; a passage found by dense retrieval alone
    /// has 0. Answer confidence and declining read it.
    /// </summary>
    public double KeywordStrength { get; init; }

    /// <summary>
    /// How much of what the query asks the passage matches, 0–1: its BM25 score over the most the query's terms could score
    /// in the index (<see cref="AgentRag.Retrieval.Keyword.Bm25Index.ScoreBound"/>: their idf sum, counting terms no chunk
    /// has). 0 for a passage found by dense retrieval alone. Answer confidence and declining read it.
    /// </summary>
    public double KeywordShare { get; init; }

    /// <summary>The chunk this passage came from, for locating quotes with <see cref="ChunkSpans.TryLocate"/>.</summary>
    public Chunk ToChunk(string tenantId) => new()
    {
        Id = ChunkId,
        DocumentId = DocumentId,
        TenantId = tenantId,
        Ordinal = 0, // not needed to locate quotes
        Text = Text,
        TokenCount = 0,
        Pages = Pages,
        HeadingPath = HeadingPath,
        Spans = Spans,
    };
}
