using System.ComponentModel.DataAnnotations;

namespace AgentRag.Retrieval.Search;

/// <summary>Search settings (section <c>AgentRag:Search</c>).</summary>
public sealed class SearchOptions
{
    public const string SectionName = "AgentRag:Search";

    /// <summary>Most hits one search returns.</summary>
    [Range(1, 1000)]
    public int MaxK { get; set; } = 100;

    /// <summary>Candidates a reranker sees.</summary>
    [Range(1, 1000)]
    public int RerankDepth { get; set; } = 50;

    /// <summary>Longest accepted query, in characters.</summary>
    [Range(1, 100_000)]
    public int MaxQueryLength { get; set; } = 2000;

    /// <summary>How hybrid search fuses BM25 and dense rankings: <c>rrf</c> (k=60) or <c>minmax</c> (weighted min-max).</summary>
    [RegularExpression("^(rrf|minmax)$", ErrorMessage = "AgentRag:Search:Fusion must be 'rrf' or 'minmax'.")]
    public string Fusion { get; set; } = "rrf";
}
