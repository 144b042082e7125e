using AgentRag.Retrieval.Query;
using AgentRag.Retrieval.Search;

namespace AgentRag.Mcp.Tools;

/// <summary>
/// <c>search</c> (hybrid), <c>keyword_search</c> (BM25) and <c>vector_search</c> (embeddings): one tool per ranking
/// mode over <see cref="SearchService"/>, returning the tenant's ready passages best first.
/// </summary>
public sealed class SearchTool : BuiltInTool
{
    public const string HybridName = "search";
    public const string KeywordName = "keyword_search";
    public const string VectorName = "vector_search";

    /// <summary>Most hits one call returns (the answer goes into a model's context).</summary>
    public const int MaxK = 50;

    private const string Schema = """
        {
          "type": "object",
          "properties": {
            "query": { "type": "string", "minLength": 1, "maxLength": 2000, "description": "What to look for: a question or keywords." },
            "k": { "type": "integer", "minimum": 1, "maximum": 50, "default": 8, "description": "How many passages to return." },
            "documents": {
              "type": "array",
              "items": { "type": "string", "minLength": 1 },
              "maxItems": 50,
              "description": "Only search these documents, by id (doc_…) or file name. Omit to search all."
            }
          },
          "required": ["query"],
          "additionalProperties": false
        }
        """;

    private readonly SearchService _search;
    private readonly SearchMode _mode;

    private SearchTool(string tenantId, string name, string description, SearchMode mode, SearchService search)
        : base(tenantId, name, description, Schema)
    {
        _mode = mode;
        _search = search;
    }

    public static SearchTool Hybrid(string tenantId, SearchService search) => new(tenantId, HybridName,
        "Search the knowledge base's documents for passages relevant to a question; use it first for any question about their content. "
        + "Ranks by keywords and meaning together (hybrid; keywords only when no embedding model is configured). "
        + "Returns passages best first, each with its document, pages, section heading, text and chunk id; cite the document and pages.",
        SearchMode.Hybrid, search);

    public static SearchTool Keyword(string tenantId, SearchService search) => new(tenantId, KeywordName,
        "Keyword (BM25) search over the documents: best for exact terms, names, error messages and function names. "
        + "Supports query syntax: \"exact phrase\", AND/OR/NOT, +required, -excluded, doc:<file name>, after:YYYY-MM-DD, before:YYYY-MM-DD, lang:<code>. "
        + "Returns passages best first with document, pages, heading, text and chunk id.",
        SearchMode.Bm25, search);

    public static SearchTool Vector(string tenantId, SearchService search) => new(tenantId, VectorName,
        "Semantic search by embedding similarity: finds passages that mean the same as the query even with different words. "
        + "Returns passages best first with document, pages, heading, text and chunk id.",
        SearchMode.Dense, search);

    protected override async Task<object> ExecuteAsync(ToolArguments arguments, CancellationToken cancellationToken)
    {
        var query = arguments.RequiredString("query", 2000);
        var k = arguments.OptionalInt("k", 8, 1, MaxK);
        var documents = arguments.OptionalStringList("documents", 50, 500);
        SearchResponse response;
        try
        {
            response = await _search.SearchAsync(TenantId, new SearchRequest
            {
                Query = query,
                K = k,
                Mode = _mode,
                Filters = documents is null ? null : new SearchFilters { Documents = documents },
            }, cancellationToken);
        }
        catch (QuerySyntaxException ex)
        {
            throw arguments.Invalid(ex.Message);
        }
        catch (ArgumentException ex)
        {
            throw arguments.Invalid(ex.Message.Replace(" (Parameter 'request')", "", StringComparison.Ordinal).TrimEnd('.'));
        }
        catch (SearchUnavailableException ex)
        {
            throw new ToolException(ex.Message, ToolErrorKind.Unavailable);
        }

        return new SearchToolResult(
            query,
            response.Modes,
            response.Warnings,
            [.. response.Hits.Select((hit, i) => new SearchToolHit(
                i + 1, hit.ChunkId, hit.DocumentId, hit.DocumentName, hit.Pages, hit.HeadingPath, Math.Round(hit.Score, 6), hit.Text,
                ResourceUris.Chunk(hit.DocumentId, hit.ChunkId)))]);
    }
}

/// <summary><c>rerank</c>: orders given passages by relevance to a query with the configured reranker.</summary>
public sealed class RerankTool(string tenantId, IReranker reranker) : BuiltInTool(tenantId, ToolName, Summary, Schema)
{
    public const string ToolName = "rerank";

    private const string Summary =
        "Reorder candidate passages by how well they answer a query, using the configured reranking model. "
        + "Give the query and the passage texts; returns their 0-based indexes, most relevant first, with scores. "
        + "Use it to pick the best few of many search hits.";

    private const string Schema = """
        {
          "type": "object",
          "properties": {
            "query": { "type": "string", "minLength": 1, "maxLength": 2000, "description": "The question the passages should answer." },
            "passages": {
              "type": "array",
              "items": { "type": "string", "minLength": 1 },
              "minItems": 1,
              "maxItems": 100,
              "description": "Passage texts to reorder."
            }
          },
          "required": ["query", "passages"],
          "additionalProperties": false
        }
        """;

    protected override async Task<object> ExecuteAsync(ToolArguments arguments, CancellationToken cancellationToken)
    {
        var query = arguments.RequiredString("query", 2000);
        var passages = arguments.OptionalStringList("passages", 100, 20_000) is { Count: > 0 } list
            ? list
            : throw arguments.Invalid("'passages' is required and must hold at least one passage");
        var scores = await reranker.ScoreAsync(query, passages, cancellationToken);
        if (scores.Count != passages.Count)
        {
            throw new ToolException($"The reranker returned {scores.Count} scores for {passages.Count} passages.", ToolErrorKind.Failed);
        }

        return new RerankToolResult(query, [.. scores.Select((score, i) => new RerankedPassage(i, score)).OrderByDescending(p => p.Score).ThenBy(p => p.Index)]);
    }
}
