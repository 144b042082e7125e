using System.Text.RegularExpressions;

namespace AgentRag.Agents.Planning;

/// <summary>What kind of question a query is; decides the plan's shape.</summary>
public enum QueryClass
{
    /// <summary>A question the documents answer: retrieval → synthesis → citation.</summary>
    Knowledge,

    /// <summary>Two or more named things compared: one retrieval per entity in parallel → synthesis → citation.</summary>
    Comparison,

    /// <summary>An answer that needs a second lookup based on the first: retrieval → follow-up retrieval → synthesis → citation.</summary>
    MultiHop,

    /// <summary>Small talk that needs no documents: a reasoning step.</summary>
    Conversational,

    /// <summary>A calculation: a reasoning step that computes it.</summary>
    Arithmetic,

    /// <summary>A request that names a tool of the catalog (<see cref="ToolMentions"/>): a reasoning step that calls it.</summary>
    Tools,
}

/// <summary>The class of a query, the rule that decided it, and what the rule extracted.</summary>
/// <param name="Class">The query class.</param>
/// <param name="Rule">The rule's name (e.g. <c>comparison:difference-between</c>, <c>default</c>).</param>
/// <param name="Explanation">A sentence a person can check.</param>
/// <param name="Entities">For comparisons, the things compared; else empty.</param>
/// <param name="Expression">For arithmetic, the normalized expression; else null.</param>
/// <param name="Tools">For <see cref="QueryClass.Tools"/>, the catalog names of the tools the query names; else null.</param>
public sealed record QueryClassification(
    QueryClass Class, string Rule, string Explanation, IReadOnlyList<string> Entities, string? Expression = null, IReadOnlyList<string>? Tools = null);

/// <summary>
/// Deterministic, explainable query classification by ordered rules: arithmetic, conversational, comparison,
/// multi-hop, else knowledge. The first rule that matches decides, and its name is reported. Thread-safe.
/// </summary>
public static partial class QueryClassifier
{
    private static readonly string[] Greetings =
    [
        "hi", "hello", "hey", "hiya", "yo", "thanks", "thank you", "thanks a lot", "thank you very much", "cheers",
        "good morning", "good afternoon", "good evening", "good night", "bye", "goodbye", "see you", "ok", "okay",
        "cool", "great", "nice", "how are you", "how are you doing", "who are you", "what are you", "what can you do",
        "what is your name", "whats your name", "help", "are you there", "nice to meet you",
    ];

    public static QueryClassification Classify(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var text = WhitespaceRun().Replace(query.Trim(), " ");

        if (TryArithmetic(text, out var expression))
        {
            return new QueryClassification(QueryClass.Arithmetic, "arithmetic:expression",
                $"The query is a calculation ({expression}) that needs no documents.", [], expression);
        }

        var bare = NonWord().Replace(text.ToLowerInvariant(), " ").Trim();
        bare = WhitespaceRun().Replace(bare, " ");
        foreach (var greeting in Greetings)
        {
            if (bare == greeting || (bare.StartsWith(greeting + " ", StringComparison.Ordinal) && bare.Split(' ').Length <= greeting.Split(' ').Length + 2
                && !ContainsQuestionWord(bare[greeting.Length..])))
            {
                return new QueryClassification(QueryClass.Conversational, "conversational:greeting",
                    $"The query is small talk (\"{greeting}\"), not a question about the documents.", []);
            }
        }

        if (TryComparison(text, out var rule, out var entities))
        {
            return new QueryClassification(QueryClass.Comparison, rule,
                $"The query compares {string.Join(" and ", entities.Select(e => $"\"{e}\""))} ({rule}), so each is looked up separately.", entities);
        }

        if (TryMultiHop(text, out rule, out var reason))
        {
            return new QueryClassification(QueryClass.MultiHop, rule, $"The query {reason}, so a second lookup follows the first.", []);
        }

        return new QueryClassification(QueryClass.Knowledge, "default", "The query asks about the documents.", []);
    }

    /// <summary>Recognizes a bare calculation, optionally phrased ("what is 12 * 7?", "3 plus 4").</summary>
    private static bool TryArithmetic(string text, out string expression)
    {
        expression = "";
        var candidate = text.ToLowerInvariant().TrimEnd('?', '.', '!', ' ', '=');
        candidate = ArithmeticPrefix().Replace(candidate, "");
        candidate = candidate
            .Replace("divided by", "/", StringComparison.Ordinal)
            .Replace("multiplied by", "*", StringComparison.Ordinal)
            .Replace("to the power of", "^", StringComparison.Ordinal)
            .Replace("plus", "+", StringComparison.Ordinal)
            .Replace("minus", "-", StringComparison.Ordinal)
            .Replace("times", "*", StringComparison.Ordinal)
            .Replace("×", "*", StringComparison.Ordinal)
            .Replace("÷", "/", StringComparison.Ordinal)
            .Replace("**", "^", StringComparison.Ordinal)
            .Trim();
        if (candidate.Length == 0 || !ArithmeticExpression().IsMatch(candidate) || !candidate.Any(char.IsAsciiDigit))
        {
            return false;
        }

        // At least one binary operator between operands (a lone "-5" or "2024" is not a calculation).
        if (!BinaryOperator().IsMatch(candidate))
        {
            return false;
        }

        expression = WhitespaceRun().Replace(candidate, " ");
        return true;
    }

    private static bool TryComparison(string text, out string rule, out IReadOnlyList<string> entities)
    {
        (string Rule, Regex Pattern)[] patterns =
        [
            ("comparison:difference-between", DifferenceBetween()),
            ("comparison:compare", CompareVerb()),
            ("comparison:versus", Versus()),
            ("comparison:differ-from", DifferFrom()),
            ("comparison:compared-to", ComparedTo()),
            ("comparison:choice", Choice()),
        ];
        foreach (var (name, pattern) in patterns)
        {
            var match = pattern.Match(text);
            if (!match.Success)
            {
                continue;
            }

            var found = SplitEntities(match.Groups["a"].Value).Append(CleanEntity(match.Groups["b"].Value)).Where(e => e.Length > 0).ToList();
            if (found.Count >= 2 && found.Distinct(StringComparer.OrdinalIgnoreCase).Count() == found.Count)
            {
                rule = name;
                entities = found.Take(4).ToList();
                return true;
            }
        }

        rule = "";
        entities = [];
        return false;
    }

    private static bool TryMultiHop(string text, out string rule, out string reason)
    {
        var lower = text.ToLowerInvariant();
        if (ChainCue().Match(lower) is { Success: true } chain)
        {
            rule = "multi-hop:chain";
            reason = $"chains one fact to another (\"{chain.Value.Trim()}\")";
            return true;
        }

        var questions = lower.Count(c => c == '?');
        if (questions >= 2 || CompoundQuestion().IsMatch(lower))
        {
            rule = "multi-hop:compound-question";
            reason = "asks a second question that builds on the first";
            return true;
        }

        // "…statement about X. To whom should I send that proposal?": the question refers back to what the
        // statement introduced, so the statement must be resolved first.
        var sentences = SentenceEnd().Split(text.Trim()).Where(s => s.Trim().Length > 0).ToList();
        if (sentences.Count >= 2 && text.TrimEnd().EndsWith('?') && BackReference().Match(sentences[^1].ToLowerInvariant()) is { Success: true } reference)
        {
            rule = "multi-hop:back-reference";
            reason = $"asks about something a previous sentence introduced (\"{reference.Value.Trim()}\")";
            return true;
        }

        rule = reason = "";
        return false;
    }

    private static IEnumerable<string> SplitEntities(string value) =>
        value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(CleanEntity);

    private static string CleanEntity(string value)
    {
        var entity = EntityNoise().Replace(value.Trim(), "").Trim().TrimEnd('?', '.', '!', ',', ';', ':').Trim();
        entity = LeadingArticle().Replace(entity, "");
        return entity.Trim().Trim('"', '\'', '‘', '’', '“', '”').Trim();
    }

    private static bool ContainsQuestionWord(string text) => QuestionWord().IsMatch(text);

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRun();

    [GeneratedRegex(@"[^\p{L}\p{N}\s]")]
    private static partial Regex NonWord();

    [GeneratedRegex(@"\b(what|which|who|where|when|why|how|can|does|is|are)\b")]
    private static partial Regex QuestionWord();

    [GeneratedRegex(@"^(?:please\s+)?(?:what\s+is|what's|whats|how\s+much\s+is|calculate|compute|evaluate|solve)\s+")]
    private static partial Regex ArithmeticPrefix();

    [GeneratedRegex(@"^[\d\s+\-*/^().,%]+$")]
    private static partial Regex ArithmeticExpression();

    [GeneratedRegex(@"[\d)]\s*[+\-*/^%]\s*[\d(.\-]")]
    private static partial Regex BinaryOperator();

    [GeneratedRegex(@"difference(?:s)?\s+between\s+(?<a>.+?)\s+and\s+(?<b>[^,:;?]+)", RegexOptions.IgnoreCase)]
    private static partial Regex DifferenceBetween();

    [GeneratedRegex(@"^(?:please\s+|can\s+you\s+|could\s+you\s+)?(?:compare|contrast)\s+(?<a>.+?)\s+(?:and|with|to|against|versus|vs\.?)\s+(?<b>[^,:;?]+)", RegexOptions.IgnoreCase)]
    private static partial Regex CompareVerb();

    [GeneratedRegex(@"(?:^|[,:;]\s*|\b(?:is|are|use|choose|prefer)\s+)(?<a>[^,:;?]+?)\s+(?:vs\.?|versus)\s+(?<b>[^,:;?]+)", RegexOptions.IgnoreCase)]
    private static partial Regex Versus();

    [GeneratedRegex(@"\bhow\s+(?:does|do|is|are)\s+(?<a>.+?)\s+(?:differ|different)\s+from\s+(?<b>[^,:;?]+)", RegexOptions.IgnoreCase)]
    private static partial Regex DifferFrom();

    [GeneratedRegex(@"^(?:how\s+(?:does|do|is|are)\s+)?(?<a>[^,:;?]+?)\s+(?:compared?|stack\s+up)\s+(?:to|with|against)\s+(?<b>[^,:;?]+)", RegexOptions.IgnoreCase)]
    private static partial Regex ComparedTo();

    [GeneratedRegex(@"\b(?:should\s+(?:i|we|my\s+\w+)\s+(?:use|choose|pick|prefer)|which\s+is\s+(?:better|faster|preferred|safer)[,:]?)\s+(?<a>\S+(?:\s+\S+)?)\s+or\s+(?<b>[^,:;?]+)", RegexOptions.IgnoreCase)]
    private static partial Regex Choice();

    [GeneratedRegex(@"^(?:how\s+(?:does|do|is|are)\s+|(?:the\s+)?(?:practical\s+)?)", RegexOptions.IgnoreCase)]
    private static partial Regex EntityNoise();

    [GeneratedRegex(@"^(?:the|a|an)\s+", RegexOptions.IgnoreCase)]
    private static partial Regex LeadingArticle();

    [GeneratedRegex(@"\b(?:besides|in turn|and then|after that|which in turn|the one (?:that|which)|points? to|refers? to|referred to by|mentioned (?:in|by)|defined (?:in|by) the|that (?:it|they) (?:calls?|uses?|points? to|depends? on))\b")]
    private static partial Regex ChainCue();

    [GeneratedRegex(@"\b(?:what|which|who|where|when|why|how)\b[^?;]*?(?:,|;)\s*(?:and|then|or)\s+(?:what|which|who|where|when|why|how)\b")]
    private static partial Regex CompoundQuestion();

    [GeneratedRegex(@"(?<=[.!?])\s+")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"\b(?:that|this|these|those)\s+(?!is\b|was\b|are\b|were\b|do\b|does\b|did\b|will\b|would\b|can\b|could\b|should\b|has\b|have\b|in\b|on\b|for\b|to\b|with\b|by\b)[a-z][a-z-]+\b")]
    private static partial Regex BackReference();
}
