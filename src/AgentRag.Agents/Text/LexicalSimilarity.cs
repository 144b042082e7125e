using AgentRag.Retrieval.Analysis;

namespace AgentRag.Agents.Text;

/// <summary>
/// Term-level comparisons with the same analysis as search (<see cref="EnglishAnalyzer.Default"/>: lower case,
/// stopwords removed, Porter stems), so "assigning values" matches "assignment value". Thread-safe.
/// </summary>
public static class LexicalSimilarity
{
    /// <summary>
    /// Analyzed term sets by text, about 8 MB of text at most: re-ranking, sentence selection and citation checks analyze
    /// the same passages and sentences query after query.
    /// </summary>
    private static readonly TextMemo<HashSet<string>> Memo = new(Analyze, maxCharacters: 4_000_000);

    /// <summary>The distinct analyzed terms of <paramref name="text"/>, as a new set the caller owns (not memoized).</summary>
    public static HashSet<string> Terms(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Analyze(text);
    }

    /// <summary>
    /// The distinct analyzed terms of <paramref name="text"/>, memoized: the same read-only set for the same text. For
    /// texts analyzed repeatedly (passages, their sentences and headings).
    /// </summary>
    public static IReadOnlySet<string> TermSet(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Memo.Get(text);
    }

    /// <summary>The share of <paramref name="claim"/>'s terms found in <paramref name="source"/> (0 when the claim has none).</summary>
    public static double Coverage(IReadOnlySet<string> claim, IReadOnlySet<string> source)
    {
        if (claim.Count == 0)
        {
            return 0;
        }

        var found = 0;
        foreach (var term in claim)
        {
            if (source.Contains(term))
            {
                found++;
            }
        }

        return (double)found / claim.Count;
    }

    /// <summary>Jaccard similarity of two term sets (1 for two empty sets).</summary>
    public static double Jaccard(IReadOnlySet<string> a, IReadOnlySet<string> b)
    {
        if (a.Count == 0 && b.Count == 0)
        {
            return 1;
        }

        var shared = a.Count(b.Contains);
        return (double)shared / (a.Count + b.Count - shared);
    }

    private static HashSet<string> Analyze(string text)
    {
        var sink = new SetSink(new HashSet<string>(StringComparer.Ordinal));
        EnglishAnalyzer.Default.Analyze(text.AsSpan(), ref sink);
        return sink.Set;
    }

    /// <summary>Collects distinct terms, allocating a string only for a term not seen yet.</summary>
    private struct SetSink(HashSet<string> set) : ITermSink
    {
        private HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup = set.GetAlternateLookup<ReadOnlySpan<char>>();

        public readonly HashSet<string> Set => set;

        public void OnTerm(ReadOnlySpan<char> term, int position) => _lookup.Add(term);
    }
}
