using AgentRag.Core.Documents;
using AgentRag.Core.Search;
using AgentRag.Core.Storage;
using AgentRag.Models;
using AgentRag.Retrieval.Fusion;
using AgentRag.Retrieval.Keyword;
using AgentRag.Retrieval.Query;
using AgentRag.Retrieval.Vectors;
using Microsoft.Extensions.Options;

namespace AgentRag.Retrieval.Search;

/// <summary>
/// The search surface behind <c>POST /v1/search</c>, <c>agentrag search</c> and the retrieval agent: runs BM25, dense
/// retrieval (when an embedding provider is configured) or both fused, optionally expands the query (RM3, or LLM
/// multi-query rewrites fused with RRF), optionally reranks the top candidates, and returns hydrated hits of
/// <c>ready</c> documents only. Hybrid search without embeddings degrades to BM25 and says so in
/// <see cref="SearchResponse.Modes"/> and its warnings; so does a failing embedding, rewrite or rerank call in hybrid
/// mode (the warning names the failure). Sees changes other processes made to the indexes through
/// <see cref="IndexChangeObserver"/>. Thread-safe.
/// </summary>
public sealed class SearchService(
    KeywordSearcher keyword,
    IDocumentStore store,
    IDocumentFilterResolver filterResolver,
    IOptions<SearchOptions> options,
    IEnumerable<IDenseRetriever> denseRetrievers,
    IEnumerable<IReranker> rerankers,
    IEnumerable<IQueryRewriter> queryRewriters,
    SearchResultCache? cache = null,
    IndexChangeObserver? indexChanges = null)
{
    /// <summary>The <see cref="SearchRequest.Expand"/> values understood.</summary>
    public static IReadOnlyList<string> Expansions { get; } = ["rm3", "llm"];

    private readonly SearchOptions _options = options.Value;
    private readonly IDenseRetriever? _dense = denseRetrievers.FirstOrDefault();
    private readonly IReranker? _reranker = rerankers.FirstOrDefault();
    private readonly IQueryRewriter? _rewriter = queryRewriters.FirstOrDefault();

    /// <summary>True when dense (and so real hybrid) retrieval is available.</summary>
    public bool HasDenseRetrieval => _dense is not null;

    /// <summary>True when a reranker is configured (an HTTP rerank endpoint, or a chat model).</summary>
    public bool HasReranker => _reranker is not null;

    /// <summary>True when LLM multi-query expansion is available (a chat model is configured).</summary>
    public bool HasQueryRewriter => _rewriter is not null;

    /// <summary>
    /// How BM25 scores of the free-text query <paramref name="text"/> scale in the tenant's keyword index (its live
    /// chunks, and the most the query's terms could score), to express a hit's BM25 score as a share of what was possible.
    /// </summary>
    public Task<KeywordScoreScale> GetKeywordScoreScaleAsync(string tenantId, string text, CancellationToken cancellationToken = default) =>
        keyword.GetScoreScaleAsync(tenantId, text, cancellationToken);

    /// <summary>
    /// Searches the tenant's ready documents. Throws <see cref="ArgumentException"/> for an empty or over-long query,
    /// a k outside 1–MaxK or an unknown expansion, <see cref="QuerySyntaxException"/> (with the position) for malformed
    /// query syntax, and <see cref="SearchUnavailableException"/> when dense search is asked for without an embedding
    /// provider (or the provider fails).
    /// </summary>
    public async Task<SearchResponse> SearchAsync(string tenantId, SearchRequest request, CancellationToken cancellationToken = default)
    {
        Validate(request);
        var parsed = KeywordQueryParser.Parse(request.Query);
        await ObserveIndexChangesAsync(tenantId, cancellationToken);
        if (cache is null)
        {
            return await SearchParsedAsync(tenantId, request, parsed, DenseText(request.Query, parsed), cancellationToken);
        }

        // Shared by identical concurrent searches, so it does not follow any one caller's cancellation.
        return await cache.GetOrSearchAsync(tenantId, request,
            () => SearchParsedAsync(tenantId, request, parsed, DenseText(request.Query, parsed), CancellationToken.None))
            .WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Searches with an already parsed keyword query and the plain text to embed (null: no dense retrieval), e.g. a
    /// follow-up built from terms rather than typed query syntax. <paramref name="request"/> supplies k, mode, filters,
    /// rerank and expansion; its <see cref="SearchRequest.Query"/> is what a reranker and the rewriter see.
    /// </summary>
    internal async Task<SearchResponse> SearchParsedAsync(
        string tenantId, SearchRequest request, KeywordQuery parsed, string? denseText, CancellationToken cancellationToken)
    {
        Validate(request);
        await ObserveIndexChangesAsync(tenantId, cancellationToken);
        if (request.Mode == SearchMode.Dense && _dense is null)
        {
            throw new SearchUnavailableException(
                "Dense search needs an embedding provider: set OPENAI_BASE_URL and AGENTRAG_EMBEDDING_MODEL (see docs/configuration.md).");
        }

        var warnings = new List<string>();
        var modes = new List<string>();
        var depth = request.Rerank && _reranker is not null ? Math.Max(request.K, _options.RerankDepth) : request.K;
        var runDense = request.Mode != SearchMode.Bm25 && _dense is not null && denseText is not null;
        var runBm25 = request.Mode != SearchMode.Dense;
        if (request.Mode == SearchMode.Hybrid && _dense is null)
        {
            warnings.Add("No embedding provider is configured: hybrid search ran BM25 only.");
        }

        // Search the vectors that exist: before the first document is embedded, hybrid is BM25 alone (labelled so in
        // Mode), and the query is not embedded for nothing. Dense search says why it found nothing.
        if (runDense && !await _dense!.HasVectorsAsync(tenantId, cancellationToken))
        {
            runDense = false;
            if (request.Mode == SearchMode.Dense)
            {
                warnings.Add("No document is embedded yet: dense search has no vectors to search (embedding runs after a document is ready).");
                modes.Add("dense");
            }
        }

        if (request.Mode == SearchMode.Dense && denseText is null)
        {
            throw new ArgumentException("The query has no words to embed for dense search (only filters or negated terms).", nameof(request));
        }

        // The query as given, then any LLM rewrites (each searched the same way, with the same filters).
        var queries = new List<(KeywordQuery Keyword, string? DenseText)> { (parsed, denseText) };
        var rewrites = await RewriteAsync(request, denseText, warnings, cancellationToken);
        queries.AddRange(rewrites.Select(r => (new KeywordQuery(new TermNode(r, 0), parsed.Filters), (string?)r)));

        var candidates = runDense ? Math.Max(depth * 2, _options.HybridCandidates) : depth;
        var rm3 = request.Expand == "rm3" ? new Rm3Options() : null;
        var bm25Lists = new List<IReadOnlyList<KeywordHit>>(queries.Count);
        if (runBm25)
        {
            foreach (var (keywordQuery, _) in queries)
            {
                bm25Lists.Add(await keyword.SearchAsync(tenantId, keywordQuery, candidates, request.Filters, rm3, cancellationToken));
            }

            modes.Add("bm25");
        }

        var denseLists = new List<IReadOnlyList<(string ChunkId, string DocumentId, float Score)>>(queries.Count);
        if (runDense)
        {
            try
            {
                var filters = request.Filters is null ? parsed.Filters : parsed.Filters.And(request.Filters);
                var allowed = filters.IsEmpty ? null : await filterResolver.ResolveAsync(tenantId, filters, cancellationToken);
                foreach (var (_, text) in queries)
                {
                    denseLists.Add(await _dense!.SearchAsync(tenantId, text!, candidates, allowed, cancellationToken));
                }

                modes.Add("dense");
            }
            catch (Exception ex) when (ex is ModelException or VectorModelMismatchException && !cancellationToken.IsCancellationRequested)
            {
                if (request.Mode == SearchMode.Dense)
                {
                    throw new SearchUnavailableException($"Dense retrieval failed: {ex.Message}");
                }

                warnings.Add($"Dense retrieval failed, so hybrid search ran BM25 only: {ex.Message}");
                denseLists.Clear();
            }
        }

        var ranked = queries.Count == 1
            ? Rank(bm25Lists.Count > 0 ? bm25Lists[0] : [], denseLists.Count > 0 ? denseLists[0] : [], bm25Lists.Count > 0 && denseLists.Count > 0, depth)
            : FuseExpanded(bm25Lists, denseLists, depth);
        var hits = await HydrateAsync(tenantId, ranked, cancellationToken);

        if (request.Rerank)
        {
            if (_reranker is null)
            {
                warnings.Add("No reranker is configured: results are not reranked.");
            }
            else if (hits.Count > 0)
            {
                try
                {
                    var scores = await _reranker.ScoreAsync(denseText ?? request.Query, [.. hits.Select(h => h.Text)], cancellationToken);
                    // A stable sort: passages the reranker grades equally keep their retrieval order.
                    hits = [.. hits.Select((hit, i) => hit with { Score = scores[i], Components = hit.Components with { Rerank = scores[i] } })
                        .OrderByDescending(hit => hit.Score)];
                    modes.Add("rerank");
                }
                catch (ModelException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    warnings.Add($"Reranking failed, so results keep their retrieval order: {ex.Message}");
                }
            }
        }

        return new SearchResponse([.. hits.Take(request.K)], modes, warnings) { Rewrites = rewrites };
    }

    /// <summary>Picks up index changes other processes made (before the cache is consulted, so it is dropped when they did).</summary>
    private async Task ObserveIndexChangesAsync(string tenantId, CancellationToken cancellationToken)
    {
        if (indexChanges is not null)
        {
            await indexChanges.ObserveAsync(tenantId, cancellationToken);
        }
    }

    private void Validate(SearchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Query))
        {
            throw new ArgumentException("The query is empty.", nameof(request));
        }

        if (request.Query.Length > _options.MaxQueryLength)
        {
            throw new ArgumentException($"The query is {request.Query.Length} characters; the limit is {_options.MaxQueryLength} (AgentRag:Search:MaxQueryLength).", nameof(request));
        }

        if (request.K < 1 || request.K > _options.MaxK)
        {
            throw new ArgumentException($"k must be between 1 and {_options.MaxK}; it was {request.K}.", nameof(request));
        }

        if (request.Expand is not null && !Expansions.Contains(request.Expand))
        {
            throw new ArgumentException($"Unknown expansion '{request.Expand}'; use {string.Join(" or ", Expansions.Select(e => $"'{e}'"))}.", nameof(request));
        }

        if (request.Filters?.Validate() is { } filterError)
        {
            throw new ArgumentException(filterError, nameof(request));
        }
    }

    private async Task<IReadOnlyList<string>> RewriteAsync(SearchRequest request, string? text, List<string> warnings, CancellationToken cancellationToken)
    {
        if (request.Expand != "llm" || text is null)
        {
            return [];
        }

        if (_rewriter is null)
        {
            warnings.Add("No chat model is configured: LLM query expansion was skipped.");
            return [];
        }

        try
        {
            return await _rewriter.RewriteAsync(text, _options.LlmRewrites, cancellationToken);
        }
        catch (ModelException ex) when (!cancellationToken.IsCancellationRequested)
        {
            warnings.Add($"LLM query expansion failed, so the query was searched as given: {ex.Message}");
            return [];
        }
    }

    /// <summary>
    /// The text to embed for a query: the query as typed when it is plain text (no field filters, nothing prohibited),
    /// since embedding models read natural language; else the words of its scored part (terms and phrases that are not
    /// prohibited). Null when nothing is left to embed.
    /// </summary>
    internal static string? DenseText(string query, KeywordQuery parsed)
    {
        if (parsed.Root is null)
        {
            return null;
        }

        if (parsed.Filters.IsEmpty && !HasProhibited(parsed.Root))
        {
            return query.Trim();
        }

        var words = new List<string>();
        Collect(parsed.Root, words);
        var text = string.Join(' ', words).Trim();
        return text.Length == 0 ? null : text;

        static bool HasProhibited(QueryNode node) =>
            node is BooleanNode group && group.Clauses.Any(c => c.Occur == Occur.MustNot || HasProhibited(c.Node));

        static void Collect(QueryNode? node, List<string> words)
        {
            switch (node)
            {
                case TermNode term:
                    words.Add(term.Text);
                    break;
                case PhraseNode phrase:
                    words.Add(phrase.Text);
                    break;
                case BooleanNode group:
                    foreach (var clause in group.Clauses.Where(c => c.Occur != Occur.MustNot))
                    {
                        Collect(clause.Node, words);
                    }

                    break;
            }
        }
    }

    /// <summary>Multi-query expansion: every ranking of every query (BM25 and dense) fused with RRF; components come from the query as given.</summary>
    private static List<(string ChunkId, double Score, ScoreComponents Components)> FuseExpanded(
        List<IReadOnlyList<KeywordHit>> bm25Lists, List<IReadOnlyList<(string ChunkId, string DocumentId, float Score)>> denseLists, int limit)
    {
        var lists = new List<RankedList>();
        lists.AddRange(bm25Lists.Select((l, i) => new RankedList($"bm25:{i}", [.. l.Select(h => new ScoredId(h.ChunkId, h.Score))])));
        lists.AddRange(denseLists.Select((l, i) => new RankedList($"dense:{i}", [.. l.Select(h => new ScoredId(h.ChunkId, h.Score))])));
        var fused = new ReciprocalRankFusion().Fuse(lists, limit);
        var bm25Scores = bm25Lists.Count > 0 ? bm25Lists[0].ToDictionary(h => h.ChunkId, h => (double)h.Score, StringComparer.Ordinal) : [];
        var denseScores = denseLists.Count > 0 ? denseLists[0].ToDictionary(h => h.ChunkId, h => (double)h.Score, StringComparer.Ordinal) : [];
        return [.. fused.Select(f => (f.Id, f.Score, new ScoreComponents(
            bm25Scores.TryGetValue(f.Id, out var b) ? b : null,
            denseScores.TryGetValue(f.Id, out var d) ? d : null,
            f.Score,
            null)))];
    }

    private List<(string ChunkId, double Score, ScoreComponents Components)> Rank(
        IReadOnlyList<KeywordHit> bm25, IReadOnlyList<(string ChunkId, string DocumentId, float Score)> dense, bool fuse, int limit)
    {
        if (!fuse)
        {
            return bm25.Count > 0
                ? [.. bm25.Take(limit).Select(h => (h.ChunkId, (double)h.Score, new ScoreComponents(h.Score, null, null, null)))]
                : [.. dense.Take(limit).Select(h => (h.ChunkId, (double)h.Score, new ScoreComponents(null, h.Score, null, null)))];
        }

        var fusion = RankFusions.Create(_options.Fusion);
        var fused = fusion.Fuse(
            [
                new RankedList("bm25", [.. bm25.Select(h => new ScoredId(h.ChunkId, h.Score))]),
                new RankedList("dense", [.. dense.Select(h => new ScoredId(h.ChunkId, h.Score))]),
            ],
            limit);
        var bm25Scores = bm25.ToDictionary(h => h.ChunkId, h => (double)h.Score, StringComparer.Ordinal);
        var denseScores = dense.ToDictionary(h => h.ChunkId, h => (double)h.Score, StringComparer.Ordinal);
        return [.. fused.Select(f => (f.Id, f.Score, new ScoreComponents(
            bm25Scores.TryGetValue(f.Id, out var b) ? b : null,
            denseScores.TryGetValue(f.Id, out var d) ? d : null,
            f.Score,
            null)))];
    }

    private async Task<List<SearchHit>> HydrateAsync(
        string tenantId, List<(string ChunkId, double Score, ScoreComponents Components)> ranked, CancellationToken cancellationToken)
    {
        var chunks = (await store.GetChunksByIdAsync(tenantId, [.. ranked.Select(r => r.ChunkId)], cancellationToken))
            .ToDictionary(c => c.Id, StringComparer.Ordinal);
        var documents = new Dictionary<string, Document?>(StringComparer.Ordinal);
        var hits = new List<SearchHit>(ranked.Count);
        foreach (var (chunkId, score, components) in ranked)
        {
            if (!chunks.TryGetValue(chunkId, out var chunk))
            {
                continue;
            }

            if (!documents.TryGetValue(chunk.DocumentId, out var document))
            {
                documents[chunk.DocumentId] = document = await store.GetAsync(tenantId, chunk.DocumentId, cancellationToken);
            }

            // Only ready documents are visible: a document being reprocessed or deleted drops out.
            if (document is not { Status: DocumentStatus.Ready })
            {
                continue;
            }

            hits.Add(new SearchHit(chunk.Id, document.Id, document.FileName, chunk.Pages, chunk.HeadingPath, chunk.Text, chunk.Spans, score, components));
        }

        return hits;
    }
}
