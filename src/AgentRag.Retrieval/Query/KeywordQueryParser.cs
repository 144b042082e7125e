using AgentRag.Core.Search;
using System.Globalization;

namespace AgentRag.Retrieval.Query;

/// <summary>
/// Parses the keyword query syntax:
/// <list type="bullet">
/// <item>free text: every word optional, ranked by BM25 (<c>heart attack risk</c>);</item>
/// <item><c>"exact phrase"</c>;</item>
/// <item><c>AND</c>, <c>OR</c>, <c>NOT</c> in upper case (AND binds tighter than OR; adjacent clauses are OR'ed), and parentheses;</item>
/// <item><c>+must</c> and <c>-mustnot</c> prefixes on a term, phrase or group;</item>
/// <item>filters <c>doc:&lt;id|name&gt;</c> (quote names with spaces), <c>after:YYYY-MM-DD</c>, <c>before:YYYY-MM-DD</c>, <c>lang:xx</c>,
/// which restrict the whole query wherever they appear.</item>
/// </list>
/// A word with another colon prefix (e.g. <c>ratio:value</c>) is an ordinary word. Malformed input, and nesting deeper than <see cref="MaxNesting"/>, throws
/// <see cref="QuerySyntaxException"/> with the offending position. Stateless and thread-safe.
/// </summary>
public static class KeywordQueryParser
{
    private static readonly string[] Fields = ["doc", "after", "before", "lang"];

    /// <summary>How deeply groups and NOT/+/- prefixes may nest; deeper input is refused rather than recursed into.</summary>
    public const int MaxNesting = 100;

    public static KeywordQuery Parse(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var tokens = Lex(query);
        if (tokens.Count == 0)
        {
            throw new QuerySyntaxException("The query is empty.", 0);
        }

        var parser = new Parser(tokens, query.Length);
        var root = parser.ParseOr();
        if (!parser.AtEnd)
        {
            var token = parser.Current;
            throw new QuerySyntaxException(token.Kind == TokenKind.Close ? "')' has no matching '('." : $"Unexpected '{token.Text}'.", token.Position);
        }

        return new KeywordQuery(root is null ? null : Wrap(root.Value), parser.Filters);
    }

    /// <summary>
    /// Turns free text (a user's question, with any quotes, parentheses, leading '+'/'-', upper-case AND/OR/NOT or
    /// <c>doc:</c>-like prefixes) into a query that <see cref="Parse"/> reads as plain optional words: the same terms as
    /// <see cref="KeywordQuery.FreeText"/>, with no operator, phrase or filter. Returns an empty string when the text has
    /// no word. Never throws for non-null input.
    /// </summary>
    public static string EscapeFreeText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<string>();
        foreach (var raw in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            // Quotes and parentheses only delimit; the analyzer drops them from words anyway.
            var word = new string([.. raw.Where(c => c is not ('"' or '(' or ')'))]).TrimStart('+', '-');
            var colon = word.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && Array.IndexOf(Fields, word[..colon].ToLowerInvariant()) >= 0)
            {
                word = word[..colon] + " " + word[(colon + 1)..];
            }

            word = word.Trim();
            if (word.Length > 0)
            {
                words.Add(word is "AND" or "OR" or "NOT" ? word.ToLowerInvariant() : word);
            }
        }

        return string.Join(' ', words);
    }

    private static QueryNode Wrap((QueryNode Node, Occur? Modifier) clause) =>
        clause.Modifier is { } occur ? new BooleanNode([new BooleanClause(occur, clause.Node)], clause.Node.Position) : clause.Node;

    private enum TokenKind
    {
        Word,
        Phrase,
        Field,
        And,
        Or,
        Not,
        Plus,
        Minus,
        Open,
        Close,
    }

    private readonly record struct Token(TokenKind Kind, string Text, int Position, string? Field = null);

    private static List<Token> Lex(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            var start = i;
            switch (c)
            {
                case '"':
                    tokens.Add(new Token(TokenKind.Phrase, ReadQuoted(text, ref i), start));
                    continue;
                case '(':
                    tokens.Add(new Token(TokenKind.Open, "(", start));
                    i++;
                    continue;
                case ')':
                    tokens.Add(new Token(TokenKind.Close, ")", start));
                    i++;
                    continue;
                case '+' or '-':
                    if (i + 1 >= text.Length || char.IsWhiteSpace(text[i + 1]) || text[i + 1] == ')')
                    {
                        throw new QuerySyntaxException($"'{c}' must be followed directly by a term, phrase or group.", start);
                    }

                    tokens.Add(new Token(c == '+' ? TokenKind.Plus : TokenKind.Minus, c.ToString(), start));
                    i++;
                    continue;
            }

            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('"' or '(' or ')'))
            {
                i++;
            }

            var word = text[start..i];
            var colon = word.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && Array.IndexOf(Fields, word[..colon].ToLowerInvariant()) >= 0)
            {
                var field = word[..colon].ToLowerInvariant();
                var value = word[(colon + 1)..];
                if (value.Length == 0 && i < text.Length && text[i] == '"')
                {
                    value = ReadQuoted(text, ref i);
                }

                if (value.Length == 0)
                {
                    throw new QuerySyntaxException($"Filter '{field}:' needs a value.", start);
                }

                tokens.Add(new Token(TokenKind.Field, value, start, field));
                continue;
            }

            tokens.Add(word switch
            {
                "AND" => new Token(TokenKind.And, word, start),
                "OR" => new Token(TokenKind.Or, word, start),
                "NOT" => new Token(TokenKind.Not, word, start),
                _ => new Token(TokenKind.Word, word, start),
            });
        }

        return tokens;
    }

    private static string ReadQuoted(string text, ref int i)
    {
        var open = i;
        var close = text.IndexOf('"', open + 1);
        if (close < 0)
        {
            throw new QuerySyntaxException("Unbalanced quote: the phrase is not closed.", open);
        }

        i = close + 1;
        var content = text[(open + 1)..close];
        if (string.IsNullOrWhiteSpace(content))
        {
            throw new QuerySyntaxException("Empty phrase.", open);
        }

        return content;
    }

    private sealed class Parser(List<Token> tokens, int length)
    {
        private int _index;
        private int _negationDepth;
        private int _nesting;

        public SearchFilters Filters { get; private set; } = SearchFilters.None;

        public bool AtEnd => _index >= tokens.Count;

        public Token Current => tokens[_index];

        /// <summary>orExpr := andExpr ((OR)? andExpr)*. Returns null when the expression holds only filters.</summary>
        public (QueryNode Node, Occur? Modifier)? ParseOr()
        {
            var clauses = new List<(QueryNode Node, Occur? Modifier)>();
            var position = AtEnd ? length : Current.Position;
            while (!AtEnd && Current.Kind != TokenKind.Close)
            {
                if (Current.Kind == TokenKind.Or)
                {
                    throw new QuerySyntaxException("'OR' has no left-hand operand.", Current.Position);
                }

                if (Current.Kind == TokenKind.And)
                {
                    throw new QuerySyntaxException("'AND' has no left-hand operand.", Current.Position);
                }

                if (ParseAnd() is { } clause)
                {
                    clauses.Add(clause);
                }

                if (!AtEnd && Current.Kind == TokenKind.Or)
                {
                    var or = Current;
                    _index++;
                    if (AtEnd || Current.Kind is TokenKind.Close or TokenKind.Or or TokenKind.And)
                    {
                        throw new QuerySyntaxException("'OR' has no right-hand operand.", or.Position);
                    }
                }
            }

            return clauses.Count switch
            {
                0 => null,
                1 => clauses[0],
                _ => (new BooleanNode(clauses.ConvertAll(c => new BooleanClause(c.Modifier ?? Occur.Should, c.Node)), position), null),
            };
        }

        /// <summary>andExpr := unary (AND unary)*.</summary>
        private (QueryNode Node, Occur? Modifier)? ParseAnd()
        {
            var position = Current.Position;
            var operands = new List<(QueryNode Node, Occur? Modifier)>();
            if (ParseUnary() is { } first)
            {
                operands.Add(first);
            }

            while (!AtEnd && Current.Kind == TokenKind.And)
            {
                var and = Current;
                _index++;
                if (AtEnd || Current.Kind is TokenKind.Close or TokenKind.Or or TokenKind.And)
                {
                    throw new QuerySyntaxException("'AND' has no right-hand operand.", and.Position);
                }

                if (ParseUnary() is { } next)
                {
                    operands.Add(next);
                }
            }

            return operands.Count switch
            {
                0 => null,
                1 => operands[0],
                _ => (new BooleanNode(operands.ConvertAll(o => new BooleanClause(o.Modifier == Occur.MustNot ? Occur.MustNot : Occur.Must, o.Node)), position), null),
            };
        }

        /// <summary>unary := NOT unary | + primary | - primary | primary.</summary>
        private (QueryNode Node, Occur? Modifier)? ParseUnary()
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.Not or TokenKind.Minus or TokenKind.Plus:
                {
                    _index++;
                    if (AtEnd || Current.Kind is TokenKind.Close or TokenKind.And or TokenKind.Or)
                    {
                        throw new QuerySyntaxException($"'{token.Text}' is not followed by a term, phrase or group.", token.Position);
                    }

                    var negates = token.Kind != TokenKind.Plus;
                    if (negates)
                    {
                        _negationDepth++;
                    }

                    Enter(token);
                    var operand = token.Kind == TokenKind.Not ? ParseUnary() : ParsePrimary();
                    _nesting--;
                    if (negates)
                    {
                        _negationDepth--;
                    }

                    if (operand is null)
                    {
                        return null;
                    }

                    var node = operand.Value.Modifier is null ? operand.Value.Node : Wrap(operand.Value);
                    return (node, negates ? Occur.MustNot : Occur.Must);
                }

                default:
                    return ParsePrimary();
            }
        }

        private (QueryNode Node, Occur? Modifier)? ParsePrimary()
        {
            var token = Current;
            _index++;
            switch (token.Kind)
            {
                case TokenKind.Word:
                    return (new TermNode(token.Text, token.Position), null);
                case TokenKind.Phrase:
                    return (new PhraseNode(token.Text, token.Position), null);
                case TokenKind.Field:
                    AddFilter(token);
                    return null;
                case TokenKind.Open:
                {
                    if (AtEnd)
                    {
                        throw new QuerySyntaxException("'(' is not closed.", token.Position);
                    }

                    if (Current.Kind == TokenKind.Close)
                    {
                        throw new QuerySyntaxException("Empty group '()'.", token.Position);
                    }

                    Enter(token);
                    var inner = ParseOr();
                    _nesting--;
                    if (AtEnd || Current.Kind != TokenKind.Close)
                    {
                        throw new QuerySyntaxException("'(' is not closed.", token.Position);
                    }

                    _index++;
                    return inner is null ? null : (Wrap(inner.Value), null);
                }

                case TokenKind.Close:
                    throw new QuerySyntaxException("')' has no matching '('.", token.Position);
                default:
                    throw new QuerySyntaxException($"Unexpected '{token.Text}'.", token.Position);
            }
        }

        /// <summary>Counts one more level of nesting; refuses more than <see cref="MaxNesting"/>, so the recursion stays shallow.</summary>
        private void Enter(Token token)
        {
            if (++_nesting > MaxNesting)
            {
                throw new QuerySyntaxException($"The query is nested too deeply: more than {MaxNesting} levels of groups and NOT/+/- prefixes.", token.Position);
            }
        }

        private void AddFilter(Token token)
        {
            if (_negationDepth > 0)
            {
                throw new QuerySyntaxException($"Filter '{token.Field}:' cannot be negated.", token.Position);
            }

            if (token.Field == "doc")
            {
                // Several doc: filters in one query widen the scope: any of the named documents.
                Filters = Filters with { Documents = [.. Filters.Documents ?? [], token.Text] };
                return;
            }

            var filter = token.Field switch
            {
                "after" => new SearchFilters { After = ParseDate(token) },
                "before" => new SearchFilters { Before = ParseDate(token) },
                _ => new SearchFilters { Language = ParseLanguage(token) },
            };
            try
            {
                Filters = Filters.And(filter);
            }
            catch (ArgumentException e)
            {
                throw new QuerySyntaxException(e.Message.Split(" (Parameter", 2)[0], token.Position);
            }
        }

        private static DateOnly ParseDate(Token token) =>
            DateOnly.TryParseExact(token.Text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                ? date
                : throw new QuerySyntaxException($"Invalid date '{token.Text}' for '{token.Field}:'; expected YYYY-MM-DD.", token.Position);

        private static string ParseLanguage(Token token)
        {
            var value = token.Text;
            var valid = value.Length is >= 2 and <= 35
                && char.IsAsciiLetter(value[0]) && char.IsAsciiLetter(value[1])
                && value.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
            return valid
                ? value.ToLowerInvariant()
                : throw new QuerySyntaxException($"Invalid language '{value}' for 'lang:'; expected a code such as en or en-US.", token.Position);
        }
    }
}
