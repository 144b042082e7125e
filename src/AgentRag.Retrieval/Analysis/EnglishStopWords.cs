using System.Collections.Frozen;

namespace AgentRag.Retrieval.Analysis;

/// <summary>
/// Lucene's <c>EnglishAnalyzer.ENGLISH_STOP_WORDS_SET</c>, the 33 words Anserini's default analyzer removes.
/// </summary>
public static class EnglishStopWords
{
    public static IReadOnlyList<string> Words { get; } =
    [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not",
        "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was",
        "will", "with",
    ];

    private static readonly FrozenSet<string> Set = Words.ToFrozenSet(StringComparer.Ordinal);
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> Lookup =
        Set.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>True when the lower-case <paramref name="term"/> is a stopword.</summary>
    public static bool Contains(ReadOnlySpan<char> term) => term.Length <= 5 && Lookup.Contains(term);
}
