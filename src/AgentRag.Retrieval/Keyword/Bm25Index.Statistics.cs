using AgentRag.Core.Search;
using AgentRag.Retrieval.Query;

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

    /// <summary>
    /// This index's share of the statistics <paramref name="query"/> is scored with: its live non-empty chunks, their
    /// tokens, and the document frequency of every analyzed term the query names (scored or not; 0 when absent). Summed
    /// over the partitions of one collection (<see cref="Bm25Statistics.Sum"/>) and passed to
    /// <see cref="Search(KeywordQuery, int, Bm25Statistics, IReadOnlySet{string})"/>, they give every partition the
    /// collection's idf and average length. Thread-safe (a read).
    /// </summary>
    public Bm25Statistics GetStatistics(KeywordQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var terms = new HashSet<string>(StringComparer.Ordinal);
        if (query.Root is { } root)
        {
            CollectTerms(root, terms);
        }

        _lock.EnterReadLock();
        try
        {
            var frequencies = terms.ToDictionary(
                term => term, term => _terms.TryGetId(term, out var id) ? (long)_postings[id].LiveDocFreq : 0L, StringComparer.Ordinal);
            return new Bm25Statistics(_liveNonEmpty, _liveTokens, frequencies);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private void CollectTerms(QueryNode node, HashSet<string> terms)
    {
        switch (node)
        {
            case TermNode term:
                terms.UnionWith(_analyzer.Analyze(term.Text));
                break;
            case PhraseNode phrase:
                terms.UnionWith(_analyzer.Analyze(phrase.Text));
                break;
            case BooleanNode boolean:
                foreach (var clause in boolean.Clauses)
                {
                    CollectTerms(clause.Node, terms);
                }

                break;
            default:
                throw new ArgumentException($"Unsupported query node {node.GetType().Name}.", nameof(node));
        }
    }
}
