using AgentRag.Retrieval.Analysis;

namespace AgentRag.Agents.Text;

/// <summary>
/// Term-level comparisons with the same analysis as search (<see cref="EnglishAnalyzer.Default"/>: lower case,
/// stopwords removed, Porter stems), so "assigning values" matches "assignment value". Thread-safe.
/// </summary>
public static class LexicalSimilarity
{
    /// <summary>The distinct analyzed terms of <paramref name="text"/>.</summary>
    public static HashSet<string> Terms(string text) => new(EnglishAnalyzer.Default.Analyze(text), StringComparer.Ordinal);

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
}
