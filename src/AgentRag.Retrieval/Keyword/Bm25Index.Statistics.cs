namespace AgentRag.Retrieval.Keyword;

public sealed partial class Bm25Index
{
    /// <summary>
    /// The most BM25 score <paramref name="text"/> can earn from one chunk, as an upper bound: the sum over its distinct
    /// analyzed terms of each term's idf, ln(1 + (N − df + 0.5) / (df + 0.5)), the limit of a term's score as its
    /// frequency grows. A term no live chunk contains counts with df = 0: the query asks for it and nothing has it.
    /// A chunk's score over this bound says how much of what the query asks, weighted by rarity, the chunk matches.
    /// 0 for text without terms or an empty index. Thread-safe (a read).
    /// </summary>
    public double ScoreBound(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var terms = _analyzer.Analyze(text).Distinct(StringComparer.Ordinal).ToList();
        _lock.EnterReadLock();
        try
        {
            var documents = _liveNonEmpty;
            if (documents == 0)
            {
                return 0;
            }

            var bound = 0.0;
            foreach (var term in terms)
            {
                var df = _terms.TryGetId(term, out var id) ? _postings[id].LiveDocFreq : 0;
                bound += Math.Log(1 + ((documents - df + 0.5D) / (df + 0.5D)));
            }

            return bound;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }
}
