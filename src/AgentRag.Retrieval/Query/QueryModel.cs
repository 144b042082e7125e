using AgentRag.Core.Search;

namespace AgentRag.Retrieval.Query;

/// <summary>
/// Restrictions on which documents may match, from field filters (<c>doc:</c>, <c>after:</c>, <c>before:</c>,
/// <c>lang:</c>) or the structured API. All given restrictions must hold.
/// </summary>
public sealed record SearchFilters
{
    public static SearchFilters None { get; } = new();

    /// <summary>
    /// Document ids or file names (case-insensitive); a document matching any of them passes. Null: no restriction;
    /// empty: no document passes (e.g. two API and query restrictions that do not overlap).
    /// </summary>
    public IReadOnlyList<string>? Documents { get; init; }

    /// <summary>Documents dated on or after this day pass (the file's own date, else the upload date).</summary>
    public DateOnly? After { get; init; }

    /// <summary>Documents dated before this day pass.</summary>
    public DateOnly? Before { get; init; }

    /// <summary>BCP 47 language prefix, e.g. <c>en</c> matches <c>en</c> and <c>en-US</c>.</summary>
    public string? Language { get; init; }

    public bool IsEmpty => Documents is null && After is null && Before is null && Language is null;

    /// <summary>Combines two filter sets; both must hold.</summary>
    public SearchFilters And(SearchFilters other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Language is not null && other.Language is not null && !string.Equals(Language, other.Language, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"Conflicting language filters '{Language}' and '{other.Language}'.", nameof(other));
        }

        return new SearchFilters
        {
            Documents = Documents is null ? other.Documents : other.Documents is null ? Documents : Documents.Intersect(other.Documents, StringComparer.OrdinalIgnoreCase).ToArray(),
            After = Max(After, other.After),
            Before = Min(Before, other.Before),
            Language = Language ?? other.Language,
        };

        static DateOnly? Max(DateOnly? a, DateOnly? b) => a is null ? b : b is null ? a : a > b ? a : b;
        static DateOnly? Min(DateOnly? a, DateOnly? b) => a is null ? b : b is null ? a : a < b ? a : b;
    }
}

/// <summary>A parsed query: the scored part (null when the text held only filters) and the filters.</summary>
public sealed record KeywordQuery(QueryNode? Root, SearchFilters Filters)
{
    /// <summary>A free-text query: every word is optional and ranked by BM25 (Anserini's bag of words).</summary>
    public static KeywordQuery FreeText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new KeywordQuery(new TermNode(text, 0), SearchFilters.None);
    }
}
