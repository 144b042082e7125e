using System.Text.Json.Serialization;
using AgentRag.Core.Documents;
using AgentRag.Retrieval.Query;

namespace AgentRag.Retrieval.Search;

/// <summary>How a search ranks: keywords (BM25), embeddings (dense), or both fused.</summary>
public enum SearchMode
{
    Bm25,
    Dense,
    Hybrid,
}

/// <summary>A search as the API and the CLI ask for it.</summary>
public sealed record SearchRequest
{
    public required string Query { get; init; }

    /// <summary>Hits to return, 1–100.</summary>
    public int K { get; init; } = 10;

    public SearchMode Mode { get; init; } = SearchMode.Hybrid;

    /// <summary>Structured filters; they combine with the query's own field filters.</summary>
    public SearchFilters? Filters { get; init; }

    /// <summary>Rerank the top candidates when a reranker is configured.</summary>
    public bool Rerank { get; init; }

    /// <summary>
    /// Query expansion: null, <c>rm3</c> (pseudo-relevance feedback on BM25), or <c>llm</c> (2–3 rewrites from the chat
    /// model, each searched, fused with RRF; skipped with a warning when no chat model is configured).
    /// </summary>
    public string? Expand { get; init; }
}

/// <summary>How a hit's score was made; a component is null when that ranker did not run.</summary>
public sealed record ScoreComponents(double? Bm25, double? Dense, double? Fused, double? Rerank);

/// <summary>One retrieved chunk with where it comes from.</summary>
public sealed record SearchHit(
    string ChunkId,
    string DocumentId,
    string DocumentName,
    IReadOnlyList<int> Pages,
    string HeadingPath,
    string Text,
    IReadOnlyList<SourceSpan> Spans,
    double Score,
    ScoreComponents Components);

/// <summary>The hits, which rankers ran (<c>modes</c>), and any degradation the caller should know about.</summary>
public sealed record SearchResponse(
    IReadOnlyList<SearchHit> Hits,
    [property: JsonPropertyName("modes")] IReadOnlyList<string> Modes,
    IReadOnlyList<string> Warnings)
{
    /// <summary>
    /// The ranking the hits come from: <c>hybrid</c> (BM25 and dense fused), <c>bm25</c> or <c>dense</c>. A hybrid
    /// request is <c>bm25</c> here when no vector could be searched (no embedding provider, nothing embedded yet, or a
    /// failed embedding call, which <see cref="Warnings"/> then explains).
    /// </summary>
    [JsonPropertyName("mode")]
    public string Mode => Modes.Contains("bm25") && Modes.Contains("dense") ? "hybrid" : Modes.Contains("dense") ? "dense" : "bm25";

    /// <summary>The LLM rewrites searched besides the query (<c>expand: "llm"</c>); empty otherwise.</summary>
    public IReadOnlyList<string> Rewrites { get; init; } = [];
}

/// <summary>The search asked for a capability that is not configured (e.g. dense search without embeddings).</summary>
public sealed class SearchUnavailableException(string message) : Exception(message);
