using AgentRag.Retrieval.Fusion;
using System.ComponentModel.DataAnnotations;

namespace AgentRag.Retrieval.Search;

/// <summary>Search settings (section <c>AgentRag:Search</c>).</summary>
public sealed class SearchOptions
{
    public const string SectionName = "AgentRag:Search";

    /// <summary>How long a search response is cached (0 turns the cache off). Invalidated when the tenant's index changes.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ResultCacheTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often a tenant's search checks the index files for changes made by another process on the same data folder
    /// (e.g. <c>agentrag ingest</c> or <c>docs delete</c> beside a running server); 0 checks before every search.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan IndexChangeCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most cached search responses (oldest evicted first).</summary>
    [Range(1, 1_000_000)]
    public int ResultCacheEntries { get; set; } = 10_000;

    /// <summary>Most hits one search returns.</summary>
    [Range(1, 1000)]
    public int MaxK { get; set; } = 100;

    /// <summary>Candidates a reranker sees.</summary>
    [Range(1, 1000)]
    public int RerankDepth { get; set; } = 50;

    /// <summary>Longest accepted query, in characters.</summary>
    [Range(1, 100_000)]
    public int MaxQueryLength { get; set; } = 2000;

    /// <summary>
    /// How hybrid search fuses BM25 and dense rankings: <c>minmax</c> (each ranking's scores scaled to [0, 1] and
    /// summed, the default: it measured better on SciFact, ADR 0026) or <c>rrf</c> (reciprocal rank fusion, k = 60).
    /// </summary>
    [RegularExpression("^(rrf|minmax)$", ErrorMessage = "AgentRag:Search:Fusion must be 'rrf' or 'minmax'.")]
    public string Fusion { get; set; } = RankFusions.MinMax;

    /// <summary>
    /// Candidates each ranking (BM25 and dense) contributes to hybrid fusion, at least: a search fuses
    /// max(2 × k, this). Min-max scales a ranking over its candidates, so a fixed depth keeps a hit's fused score
    /// independent of the k asked for; 100 is the depth <c>agentrag eval</c> measures fusion at.
    /// </summary>
    [Range(1, 1000)]
    public int HybridCandidates { get; set; } = 100;

    /// <summary>Rewrites asked of the chat model for <c>expand: "llm"</c>.</summary>
    [Range(1, 5)]
    public int LlmRewrites { get; set; } = 3;

    /// <summary>
    /// Which reranker serves <c>rerank: true</c>: <c>auto</c> (the <c>rerank</c> model profile's <c>/rerank</c> endpoint
    /// when configured, else a chat model scoring each passage, else none), <c>http</c>, <c>llm</c> (the <c>rerank</c>
    /// profile's chat model when configured, else <c>primary</c>), or <c>none</c>.
    /// </summary>
    [RegularExpression("^(auto|http|llm|none)$", ErrorMessage = "AgentRag:Search:Reranker must be 'auto', 'http', 'llm' or 'none'.")]
    public string Reranker { get; set; } = "auto";

    /// <summary>Passages the LLM reranker scores at once (one chat call each).</summary>
    [Range(1, 64)]
    public int LlmRerankConcurrency { get; set; } = 4;
}
