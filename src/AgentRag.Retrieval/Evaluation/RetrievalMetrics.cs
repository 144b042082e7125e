namespace AgentRag.Retrieval.Evaluation;

/// <summary>
/// Ranked-retrieval metrics computed as trec_eval (and BEIR's pytrec_eval) compute them. The ranking is the
/// list of document ids best first; judgments map document id to relevance grade (grade &gt; 0 is relevant).
/// Pure functions; thread-safe.
/// </summary>
public static class RetrievalMetrics
{
    /// <summary>nDCG@k with gain = grade and discount log2(rank + 1); the ideal ranking orders every judged document by grade.</summary>
    public static double NdcgAtK(IReadOnlyList<string> ranking, IReadOnlyDictionary<string, int> judgments, int k)
    {
        ArgumentNullException.ThrowIfNull(ranking);
        ArgumentNullException.ThrowIfNull(judgments);
        var dcg = 0.0;
        for (var i = 0; i < Math.Min(k, ranking.Count); i++)
        {
            if (judgments.TryGetValue(ranking[i], out var grade) && grade > 0)
            {
                dcg += grade / Math.Log2(i + 2);
            }
        }

        var ideal = judgments.Values.Where(g => g > 0).OrderByDescending(g => g).Take(k).ToArray();
        var idcg = 0.0;
        for (var i = 0; i < ideal.Length; i++)
        {
            idcg += ideal[i] / Math.Log2(i + 2);
        }

        return idcg == 0 ? 0 : dcg / idcg;
    }

    /// <summary>Reciprocal rank of the first relevant document within the top k, else 0.</summary>
    public static double ReciprocalRankAtK(IReadOnlyList<string> ranking, IReadOnlyDictionary<string, int> judgments, int k)
    {
        ArgumentNullException.ThrowIfNull(ranking);
        ArgumentNullException.ThrowIfNull(judgments);
        for (var i = 0; i < Math.Min(k, ranking.Count); i++)
        {
            if (IsRelevant(ranking[i], judgments))
            {
                return 1.0 / (i + 1);
            }
        }

        return 0;
    }

    /// <summary>Fraction of the relevant documents found in the top k (0 when nothing is relevant).</summary>
    public static double RecallAtK(IReadOnlyList<string> ranking, IReadOnlyDictionary<string, int> judgments, int k)
    {
        ArgumentNullException.ThrowIfNull(ranking);
        ArgumentNullException.ThrowIfNull(judgments);
        var relevant = judgments.Count(j => j.Value > 0);
        return relevant == 0 ? 0 : (double)CountRelevant(ranking, judgments, k) / relevant;
    }

    /// <summary>Relevant documents in the top k divided by k (a short ranking still divides by k, as trec_eval does).</summary>
    public static double PrecisionAtK(IReadOnlyList<string> ranking, IReadOnlyDictionary<string, int> judgments, int k)
    {
        ArgumentNullException.ThrowIfNull(ranking);
        ArgumentNullException.ThrowIfNull(judgments);
        return (double)CountRelevant(ranking, judgments, k) / k;
    }

    /// <summary>Average precision cut at k: the sum of precision at each relevant rank ≤ k, divided by all relevant documents.</summary>
    public static double AveragePrecisionAtK(IReadOnlyList<string> ranking, IReadOnlyDictionary<string, int> judgments, int k)
    {
        ArgumentNullException.ThrowIfNull(ranking);
        ArgumentNullException.ThrowIfNull(judgments);
        var relevant = judgments.Count(j => j.Value > 0);
        if (relevant == 0)
        {
            return 0;
        }

        var found = 0;
        var sum = 0.0;
        for (var i = 0; i < Math.Min(k, ranking.Count); i++)
        {
            if (IsRelevant(ranking[i], judgments))
            {
                found++;
                sum += (double)found / (i + 1);
            }
        }

        return sum / relevant;
    }

    private static int CountRelevant(IReadOnlyList<string> ranking, IReadOnlyDictionary<string, int> judgments, int k)
    {
        var count = 0;
        for (var i = 0; i < Math.Min(k, ranking.Count); i++)
        {
            if (IsRelevant(ranking[i], judgments))
            {
                count++;
            }
        }

        return count;
    }

    private static bool IsRelevant(string id, IReadOnlyDictionary<string, int> judgments) =>
        judgments.TryGetValue(id, out var grade) && grade > 0;
}
