namespace AgentRag.Retrieval.Fusion;

/// <summary>An id with the score one retriever gave it.</summary>
public readonly record struct ScoredId(string Id, double Score);

/// <summary>One retriever's results, best first, with its name (e.g. <c>bm25</c>, <c>dense</c>) and fusion weight.</summary>
public sealed record RankedList(string Name, IReadOnlyList<ScoredId> Hits, double Weight = 1.0);

/// <summary>A fused result: the fused score and, per input list (same order), the original score or null when absent.</summary>
public sealed record FusedHit(string Id, double Score, IReadOnlyList<double?> Components);

/// <summary>Combines several rankings of the same kind of item into one. Implementations are stateless and thread-safe.</summary>
public interface IRankFusion
{
    /// <summary>Fuses <paramref name="lists"/> and returns the best <paramref name="limit"/> hits, best first; ties go to the smaller id (ordinal).</summary>
    IReadOnlyList<FusedHit> Fuse(IReadOnlyList<RankedList> lists, int limit);
}

/// <summary>
/// Reciprocal rank fusion (Cormack et al., 2009): score = Σ weight / (k + rank), rank 1-based. Ignores the
/// retrievers' score scales, which is why it fuses the rankings of several query rewrites.
/// </summary>
public sealed class ReciprocalRankFusion : IRankFusion
{
    public ReciprocalRankFusion(int k = 60)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        K = k;
    }

    public int K { get; }

    public IReadOnlyList<FusedHit> Fuse(IReadOnlyList<RankedList> lists, int limit) =>
        FusionCore.Fuse(lists, limit, (list, rank, _) => list.Weight / (K + rank + 1));
}

/// <summary>
/// Weighted min-max fusion: each list's scores are scaled to [0, 1] by (s − min)/(max − min) (all 1 when equal),
/// then summed with the lists' weights; an item missing from a list gets 0 from it.
/// </summary>
public sealed class WeightedMinMaxFusion : IRankFusion
{
    public IReadOnlyList<FusedHit> Fuse(IReadOnlyList<RankedList> lists, int limit)
    {
        ArgumentNullException.ThrowIfNull(lists);
        var ranges = lists.Select(l => l.Hits.Count == 0 ? (0.0, 0.0) : (l.Hits.Min(h => h.Score), l.Hits.Max(h => h.Score))).ToArray();
        return FusionCore.Fuse(lists, limit, (list, rank, index) =>
        {
            var (min, max) = ranges[index];
            var normalized = max > min ? (list.Hits[rank].Score - min) / (max - min) : 1.0;
            return list.Weight * normalized;
        });
    }
}

internal static class FusionCore
{
    /// <param name="contribution">(list, 0-based rank, list index) → the list's contribution to the hit's fused score.</param>
    public static IReadOnlyList<FusedHit> Fuse(IReadOnlyList<RankedList> lists, int limit, Func<RankedList, int, int, double> contribution)
    {
        ArgumentNullException.ThrowIfNull(lists);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        foreach (var list in lists)
        {
            if (!double.IsFinite(list.Weight) || list.Weight < 0)
            {
                throw new ArgumentException($"Fusion weight of list '{list.Name}' must be a non-negative number, not {list.Weight}.", nameof(lists));
            }
        }

        var fused = new Dictionary<string, (double Score, double?[] Components)>(StringComparer.Ordinal);
        for (var i = 0; i < lists.Count; i++)
        {
            var hits = lists[i].Hits;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var rank = 0; rank < hits.Count; rank++)
            {
                var hit = hits[rank];
                if (!seen.Add(hit.Id))
                {
                    continue; // a retriever listing an id twice counts once, at its best rank
                }

                if (!fused.TryGetValue(hit.Id, out var entry))
                {
                    entry = (0, new double?[lists.Count]);
                }

                entry.Components[i] = hit.Score;
                fused[hit.Id] = (entry.Score + contribution(lists[i], rank, i), entry.Components);
            }
        }

        return fused
            .OrderByDescending(f => f.Value.Score)
            .ThenBy(f => f.Key, StringComparer.Ordinal)
            .Take(limit)
            .Select(f => new FusedHit(f.Key, f.Value.Score, f.Value.Components))
            .ToArray();
    }
}

/// <summary>The fusion methods by name, as <c>AgentRag:Search:Fusion</c> and <c>agentrag eval --fusion</c> name them.</summary>
public static class RankFusions
{
    /// <summary>Reciprocal rank fusion, k = 60 (<see cref="ReciprocalRankFusion"/>).</summary>
    public const string Rrf = "rrf";

    /// <summary>Min-max normalised scores summed with equal weights (<see cref="WeightedMinMaxFusion"/>).</summary>
    public const string MinMax = "minmax";

    /// <summary>Every name, the default (<see cref="Search.SearchOptions.Fusion"/>) first.</summary>
    public static IReadOnlyList<string> Names { get; } = [MinMax, Rrf];

    /// <summary>The fusion called <paramref name="name"/> (case-insensitive); <see cref="NotSupportedException"/> naming the choices for another name.</summary>
    public static IRankFusion Create(string name) => name.ToLowerInvariant() switch
    {
        Rrf => new ReciprocalRankFusion(),
        MinMax => new WeightedMinMaxFusion(),
        _ => throw new NotSupportedException($"Unknown fusion '{name}': use {string.Join(" or ", Names)}."),
    };
}
