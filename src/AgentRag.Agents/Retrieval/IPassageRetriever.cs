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
    /// The first-stage relevance score before any re-ranking or fusion (BM25 when it ran), comparable across the passages
    /// of one tenant's index; answer confidence and declining read it. 0 when unknown.
    /// </summary>
    public double RetrievalScore { get; init; }

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
