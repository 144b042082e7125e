using System.Text.RegularExpressions;
using AgentRag.Agents.Citations;
using AgentRag.Agents.Retrieval;

namespace AgentRag.Agents.Text;

/// <summary>
/// Related questions to offer after an answer, made from the section headings of the passages retrieved for it: the
/// sections next to what was cited are what a reader is likely to want next. Deterministic and thread-safe.
/// </summary>
public static partial class FollowUpQuestions
{
    /// <summary>How many questions an answer offers.</summary>
    public const int Count = 3;

    /// <summary>
    /// Up to <see cref="Count"/> questions, one per distinct section heading of <paramref name="passages"/> in rank order,
    /// sections already cited by <paramref name="citations"/> last; headings lose their numbering ("2.5 Missing values" →
    /// "Missing values"). Fewer when the passages have fewer headings.
    /// </summary>
    public static IReadOnlyList<string> FromHeadings(IReadOnlyList<RetrievedPassage> passages, IReadOnlyList<Citation> citations)
    {
        ArgumentNullException.ThrowIfNull(passages);
        ArgumentNullException.ThrowIfNull(citations);
        var cited = citations.Select(c => c.HeadingPath).ToHashSet(StringComparer.Ordinal);
        var questions = new List<string>(Count);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var passage in passages.OrderBy(p => cited.Contains(p.HeadingPath) ? 1 : 0))
        {
            var heading = Numbering().Replace(passage.HeadingPath.Split(" > ")[^1], "").Trim();
            if (heading.Length < 3 || !seen.Add(heading))
            {
                continue;
            }

            questions.Add($"What does {passage.DocumentName} say about {heading}?");
            if (questions.Count == Count)
            {
                break;
            }
        }

        return questions;
    }

    // "2.5 ", "3.15.2. ", "Chapter 2. ", "Appendix B ", "A.1 "
    [GeneratedRegex(@"^(?:(?:Chapter|Appendix|Section)\s+)?(?:[A-Z]|\d+)(?:\.\d+)*\.?\s+(?=\S)", RegexOptions.CultureInvariant)]
    private static partial Regex Numbering();
}
