using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
using AgentRag.Retrieval.Fusion;
using AgentRag.Retrieval.Keyword;
using AgentRag.Retrieval.Query;
using Microsoft.Extensions.Options;

namespace AgentRag.Retrieval.Search;

/// <summary>
/// The search surface behind <c>POST /v1/search</c>, <c>agentrag search</c> and the retrieval agent: runs BM25, dense
/// retrieval (when an embedding provider is configured) or both fused, optionally reranks, and returns hydrated hits
/// of <c>ready</c> documents only. Hybrid search without embeddings degrades to BM25 and says so in
/// <see cref="SearchResponse.Modes"/> and its warnings. Thread-safe.
/// </summary>
public sealed class SearchService(
    KeywordSearcher keyword,
    IDocumentStore store,
    IDocumentFilterResolver filterResolver,
    IOptions<SearchOptions> options,
    IEnumerable<IDenseRetriever> denseRetrievers,
    IEnumerable<IReranker> rerankers)
{
    private readonly SearchOptions _options = options.Value;
    private readonly IDenseRetriever? _dense = denseRetrievers.FirstOrDefault();
    private readonly IReranker? _reranker = rerankers.FirstOrDefault();

    /// <summary>True when dense (and so real hybrid) retrieval is available.</summary>
    public bool HasDenseRetrieval => _dense is not null;

    /// <summary>
    /// Searches the tenant's ready documents. Throws <see cref="ArgumentException"/> for an empty or over-long query
    /// or a k outside 1–MaxK, <see cref="QuerySyntaxException"/> (with the position) for malformed query syntax, and
    /// <see cref="SearchUnavailableException"/> when dense search is asked for without an embedding provider.
    /// </summary>
    public async Task<SearchResponse> SearchAsync(string tenantId, SearchRequest request, CancellationToken cancellationToken = default)
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

        if (request.Expand is not null and not "rm3")
        {
            throw new ArgumentException($"Unknown expansion '{request.Expand}'; use 'rm3'.", nameof(request));
        }

        if (request.Mode == SearchMode.Dense && _dense is null)
        {
            throw new SearchUnavailableException(
                "Dense search needs an embedding provider: set OPENAI_BASE_URL and AGENTRAG_EMBEDDING_MODEL (see docs/configuration.md).");
        }

        var parsed = KeywordQueryParser.Parse(request.Query);
        var warnings = new List<string>();
        var modes = new List<string>();
        var depth = request.Rerank && _reranker is not null ? Math.Max(request.K, _options.RerankDepth) : request.K;
        var runDense = request.Mode != SearchMode.Bm25 && _dense is not null;
        var runBm25 = request.Mode != SearchMode.Dense;
        if (request.Mode == SearchMode.Hybrid && _dense is null)
        {
            warnings.Add("No embedding provider is configured: hybrid search ran BM25 only.");
        }

        var candidates = runDense ? depth * 2 : depth;
        var bm25 = runBm25
            ? await keyword.SearchAsync(tenantId, parsed, candidates, request.Filters, request.Expand == "rm3" ? new Rm3Options() : null, cancellationToken)
            : [];
        if (runBm25)
        {
            modes.Add("bm25");
        }

        IReadOnlyList<(string ChunkId, string DocumentId, float Score)> dense = [];
        if (runDense)
        {
            var filters = request.Filters is null ? parsed.Filters : parsed.Filters.And(request.Filters);
            var allowed = filters.IsEmpty ? null : await filterResolver.ResolveAsync(tenantId, filters, cancellationToken);
            dense = await _dense!.SearchAsync(tenantId, request.Query, candidates, allowed, cancellationToken);
            modes.Add("dense");
        }

        var ranked = Rank(bm25, dense, runBm25 && runDense, depth);
        var hits = await HydrateAsync(tenantId, ranked, cancellationToken);

        if (request.Rerank)
        {
            if (_reranker is null)
            {
                warnings.Add("No reranker is configured: results are not reranked.");
            }
            else if (hits.Count > 0)
            {
                var scores = await _reranker.ScoreAsync(request.Query, [.. hits.Select(h => h.Text)], cancellationToken);
                hits = [.. hits.Select((hit, i) => hit with { Score = scores[i], Components = hit.Components with { Rerank = scores[i] } })
                    .OrderByDescending(hit => hit.Score)];
                modes.Add("rerank");
            }
        }

        return new SearchResponse([.. hits.Take(request.K)], modes, warnings);
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

        IRankFusion fusion = _options.Fusion == "minmax" ? new WeightedMinMaxFusion() : new ReciprocalRankFusion();
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
