namespace AgentRag.Retrieval.Keyword;

/// <summary>
/// The collection statistics BM25 scores a query with: live non-empty chunks (N), their indexed tokens (for the average
/// length) and each query term's document frequency (df), by analyzed term. One index's own statistics score as that
/// index alone; the <see cref="Sum"/> of every partition's scores each partition as if all were one index, so a
/// scatter-gather over partitions ranks and scores exactly as a single index (<see cref="Bm25Partitions"/>). Immutable.
/// </summary>
/// <param name="Documents">Live chunks with at least one indexed token.</param>
/// <param name="Tokens">Indexed tokens of the live chunks.</param>
/// <param name="DocumentFrequencies">Per analyzed query term, the live chunks containing it (0 when none does).</param>
public sealed record Bm25Statistics(long Documents, long Tokens, IReadOnlyDictionary<string, long> DocumentFrequencies)
{
    /// <summary>The statistics of all <paramref name="parts"/> taken together (N, tokens and every df summed).</summary>
    public static Bm25Statistics Sum(IEnumerable<Bm25Statistics> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        long documents = 0, tokens = 0;
        var frequencies = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            documents += part.Documents;
            tokens += part.Tokens;
            foreach (var (term, df) in part.DocumentFrequencies)
            {
                frequencies[term] = frequencies.GetValueOrDefault(term) + df;
            }
        }

        return new Bm25Statistics(documents, tokens, frequencies);
    }
}
