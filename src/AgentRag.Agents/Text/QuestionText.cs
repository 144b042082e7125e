using System.Text;
using AgentRag.Retrieval.Analysis;

namespace AgentRag.Agents.Text;

/// <summary>
/// What a question is about, without the words that only make it a question. Search analysis keeps words such as
/// "how", "do", "I", "what" or "should" (Lucene's stopword list is short), and in a question they carry no topic: a
/// sentence "how do I read a spreadsheet" would match "how do I assign a value" on three of its terms. Thread-safe.
/// </summary>
public static partial class QuestionText
{
    private static readonly string[] FunctionWords =
    [
        "how", "what", "which", "who", "whom", "whose", "when", "where", "why", "whether",
        "do", "does", "did", "doing", "done", "i", "me", "my", "mine", "myself", "we", "us", "our", "you", "your",
        "can", "could", "should", "would", "may", "might", "must", "shall", "am", "were", "been", "being",
        "has", "have", "had", "having", "want", "wants", "wanted", "need", "needs", "needed", "tell", "know", "please",
        "so", "some", "any", "about", "there", "here", "also", "just", "way", "ways", "thing", "things", "get", "gets",
        "instead", "else", "still", "like", "one", "ones", "its", "s",
    ];

    /// <summary>The analyzed forms of <see cref="FunctionWords"/> (e.g. "doe" for "does").</summary>
    private static readonly HashSet<string> FunctionTerms = new(
        FunctionWords.SelectMany(w => new EnglishAnalyzer(removeStopWords: false, stem: true).Analyze(w)), StringComparer.Ordinal);

    /// <summary>The question's topic terms: analyzed as for search, without question function words.</summary>
    public static HashSet<string> TopicTerms(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var terms = LexicalSimilarity.Terms(question);
        terms.ExceptWith(FunctionTerms);
        return terms;
    }

    /// <summary>The question as a search query: its words, without question function words and punctuation-only tokens.</summary>
    public static string SearchQuery(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var builder = new StringBuilder(question.Length);
        foreach (var word in question.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var bare = word.Trim('?', '!', '.', ',', ';', ':', '"', '\'', '(', ')', '‘', '’', '“', '”').ToLowerInvariant();
            if (bare.Length == 0 || FunctionWords.Contains(bare, StringComparer.Ordinal))
            {
                continue;
            }

            builder.Append(word).Append(' ');
        }

        var query = builder.ToString().Trim();
        return query.Length == 0 ? question : query;
    }

    /// <summary>Whether an analyzed term is a question function word.</summary>
    public static bool IsFunctionTerm(string term) => FunctionTerms.Contains(term);

    /// <summary>Whether the question asks for a quantity: how many, how long, a size, limit, number, range, port or timeout.</summary>
    public static bool AsksForQuantity(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        return QuantityQuestion().IsMatch(question);
    }

    /// <summary>Whether a sentence states a quantity: a digit or a number word.</summary>
    public static bool StatesQuantity(string sentence)
    {
        ArgumentNullException.ThrowIfNull(sentence);
        return Quantity().IsMatch(sentence);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\bhow\s+(?:many|much|long|often|big|large|small)\b|\b(?:number|size|limit|maximum|minimum|threshold|port|range|timeout|length|count)s?\b",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex QuantityQuestion();

    [System.Text.RegularExpressions.GeneratedRegex(@"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|hundred|thousand|million)\b",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex Quantity();
}
