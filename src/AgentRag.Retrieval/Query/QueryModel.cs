using System.Text.RegularExpressions;
using AgentRag.Core.Search;

namespace AgentRag.Retrieval.Query;

/// <summary>
/// Restrictions on which documents may match, from field filters (<c>doc:</c>, <c>after:</c>, <c>before:</c>,
/// <c>lang:</c>) or the structured API. All given restrictions must hold.
/// </summary>
public sealed partial record SearchFilters
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

    /// <summary>Most document ids or names one filter may list.</summary>
    public const int MaxDocuments = 200;

    /// <summary>
    /// Why these filters, as a caller gave them, cannot be applied: an empty or overlong document list or a blank entry in
    /// it, an empty date range (<see cref="After"/> on or after <see cref="Before"/>), or a language that is not a BCP 47
    /// tag. Null when they can.
    /// The message names the field (<c>filters.after</c>…).
    /// </summary>
    public string? Validate()
    {
        if (Documents is { } documents)
        {
            if (documents.Count == 0)
            {
                return "'filters.documents' is empty, so no document could match: list document ids or file names, or leave it out to search every document.";
            }

            if (documents.Count > MaxDocuments)
            {
                return $"'filters.documents' may list at most {MaxDocuments} documents; got {documents.Count}.";
            }

            for (var i = 0; i < documents.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(documents[i]))
                {
                    return $"'filters.documents[{i}]' is empty: give a document id or file name.";
                }
            }
        }

        if (After is { } after && Before is { } before && after >= before)
        {
            return $"'filters.after' ({after:yyyy-MM-dd}) must be before 'filters.before' ({before:yyyy-MM-dd}): the range holds no day.";
        }

        return Language is { } language && !LanguageTag().IsMatch(language)
            ? $"'filters.language' must be a BCP 47 language tag such as 'en' or 'en-US'; got '{language}'."
            : null;
    }

    [GeneratedRegex("^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
    private static partial Regex LanguageTag();

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
