using AgentRag.Core.Search;
using AgentRag.Retrieval.Fusion;
using AgentRag.Retrieval.Query;
using AgentRag.Retrieval.Search;

namespace AgentRag.Retrieval.MultiHop;

/// <summary>What a retrieve-then-follow-up round found.</summary>
/// <param name="First">The first result set, as given.</param>
/// <param name="FollowUp">The second search, for the missing information.</param>
/// <param name="FollowUpQuery">The text the second search ran (the missing terms).</param>
/// <param name="Fused">Both result sets fused with RRF (k=60), best first, each chunk once; a hit's score is its fused score.</param>
/// <param name="NewHits">Follow-up hits that were not in the first result set, in follow-up order.</param>
public sealed record FollowUpResult(
    SearchResponse First, SearchResponse FollowUp, string FollowUpQuery, IReadOnlyList<SearchHit> Fused, IReadOnlyList<SearchHit> NewHits);

/// <summary>
/// The multi-hop helper the orchestrator calls (retrieve-then-follow-up): given a first search, its results, and the
/// terms of the information still missing (e.g. from a model that read the first passages), it runs a second search
/// for those terms with the first search's mode, filters and reranking, and returns both result sets and their fusion.
/// Thread-safe.
/// </summary>
public sealed class FollowUpRetriever(SearchService search)
{
    /// <summary>
    /// Runs the follow-up search and fuses it with <paramref name="firstResults"/>. The missing terms are searched as
    /// plain words (no query syntax), so any text is safe to pass. Throws <see cref="ArgumentException"/> when
    /// <paramref name="missingTerms"/> holds no words, and whatever <see cref="SearchService.SearchAsync"/> throws for the
    /// first request's settings.
    /// </summary>
    /// <param name="k">Hits of the follow-up search and of the fused list; default the first request's k.</param>
    public async Task<FollowUpResult> RetrieveThenFollowUpAsync(
        string tenantId, SearchRequest firstRequest, SearchResponse firstResults, IReadOnlyList<string> missingTerms, int? k = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(firstRequest);
        ArgumentNullException.ThrowIfNull(firstResults);
        ArgumentNullException.ThrowIfNull(missingTerms);
        var terms = missingTerms
            .Select(t => string.Join(' ', (t ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)))
            .Where(t => t.Length > 0)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        if (terms.Count == 0)
        {
            throw new ArgumentException("The follow-up needs at least one missing-information term.", nameof(missingTerms));
        }

        var text = string.Join(' ', terms);
        // The first query's own field filters (doc:, after:, …) still apply to the follow-up.
        var firstFilters = KeywordQueryParser.Parse(firstRequest.Query).Filters;
        var followUpRequest = firstRequest with { Query = text, K = k ?? firstRequest.K, Expand = null };
        var followUp = await search.SearchParsedAsync(
            tenantId, followUpRequest, new KeywordQuery(new TermNode(text, 0), firstFilters), text, cancellationToken);

        var byId = new Dictionary<string, SearchHit>(StringComparer.Ordinal);
        foreach (var hit in firstResults.Hits.Concat(followUp.Hits))
        {
            byId.TryAdd(hit.ChunkId, hit);
        }

        var fused = new ReciprocalRankFusion().Fuse(
            [
                new RankedList("first", [.. firstResults.Hits.Select(h => new ScoredId(h.ChunkId, h.Score))]),
                new RankedList("follow-up", [.. followUp.Hits.Select(h => new ScoredId(h.ChunkId, h.Score))]),
            ],
            Math.Max(1, k ?? firstRequest.K));
        var firstIds = firstResults.Hits.Select(h => h.ChunkId).ToHashSet(StringComparer.Ordinal);
        return new FollowUpResult(
            firstResults,
            followUp,
            text,
            [.. fused.Select(f => byId[f.Id] with { Score = f.Score, Components = byId[f.Id].Components with { Fused = f.Score } })],
            [.. followUp.Hits.Where(h => !firstIds.Contains(h.ChunkId))]);
    }
}
