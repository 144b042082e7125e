using AgentRag.Core.Search;
using AgentRag.Retrieval.Query;

namespace AgentRag.Retrieval.Tests.Query;

public sealed class KeywordQueryParserTests
{
    private static string Show(QueryNode? node) => node switch
    {
        null => "∅",
        TermNode t => t.Text,
        PhraseNode p => $"\"{p.Text}\"",
        BooleanNode b => "(" + string.Join(' ', b.Clauses.Select(c => c.Occur switch
        {
            Occur.Must => "+",
            Occur.MustNot => "-",
            _ => "",
        } + Show(c.Node))) + ")",
        _ => "?",
    };

    [Theory]
    [InlineData("heart attack", "(heart attack)")]
    [InlineData("heart", "heart")]
    [InlineData("\"read table\" file", "(\"read table\" file)")]
    [InlineData("a AND b", "(+a +b)")]
    [InlineData("a OR b", "(a b)")]
    [InlineData("a AND b OR c", "((+a +b) c)")]
    [InlineData("a b AND c", "(a (+b +c))")]
    [InlineData("+a -b c", "(+a -b c)")]
    [InlineData("a NOT b", "(a -b)")]
    [InlineData("a AND NOT b", "(+a -b)")]
    [InlineData("(a OR b) AND c", "(+(a b) +c)")]
    [InlineData("-b", "(-b)")]
    [InlineData("state-of-the-art", "state-of-the-art")]
    [InlineData("ratio:value", "ratio:value")]
    [InlineData("and or not", "(and or not)")]
    public void Parse_Syntax_BuildsBooleanTree(string query, string expected) =>
        Show(KeywordQueryParser.Parse(query).Root).ShouldBe(expected);

    [Fact]
    public void Parse_FieldFilters_AreCollectedOutsideTheTree()
    {
        var parsed = KeywordQueryParser.Parse("table doc:R-data.pdf after:2024-01-01 before:2025-06-30 lang:EN doc:\"My Notes.docx\"");

        Show(parsed.Root).ShouldBe("table");
        parsed.Filters.After.ShouldBe(new DateOnly(2024, 1, 1));
        parsed.Filters.Before.ShouldBe(new DateOnly(2025, 6, 30));
        parsed.Filters.Language.ShouldBe("en");
        parsed.Filters.Documents.ShouldBe(["R-data.pdf", "My Notes.docx"]);
    }

    [Fact]
    public void And_DisjointDocumentRestrictions_LetNothingPass()
    {
        var combined = new SearchFilters { Documents = ["a"] }.And(new SearchFilters { Documents = ["b"] });
        combined.Documents.ShouldBeEmpty();
        combined.IsEmpty.ShouldBeFalse();
    }

    [Fact]
    public void Parse_OnlyFilters_HasNoRoot()
    {
        var parsed = KeywordQueryParser.Parse("doc:doc_123");
        parsed.Root.ShouldBeNull();
        parsed.Filters.Documents.ShouldBe(["doc_123"]);
    }

    [Theory]
    [InlineData("\"unclosed phrase", 0, "Unbalanced quote")]
    [InlineData("find \"this", 5, "Unbalanced quote")]
    [InlineData("a AND", 2, "'AND' has no right-hand operand")]
    [InlineData("OR b", 0, "'OR' has no left-hand operand")]
    [InlineData("a OR OR b", 2, "'OR' has no right-hand operand")]
    [InlineData("a NOT", 2, "'NOT' is not followed")]
    [InlineData("a + b", 2, "'+' must be followed")]
    [InlineData("a -", 2, "'-' must be followed")]
    [InlineData("(a b", 0, "'(' is not closed")]
    [InlineData("a b)", 3, "')' has no matching '('")]
    [InlineData("()", 0, "Empty group")]
    [InlineData("after:2024-13-01", 0, "Invalid date '2024-13-01' for 'after:'")]
    [InlineData("x before:yesterday", 2, "Invalid date 'yesterday' for 'before:'")]
    [InlineData("x lang:e", 2, "Invalid language 'e'")]
    [InlineData("x doc:", 2, "Filter 'doc:' needs a value")]
    [InlineData("x -doc:a", 3, "Filter 'doc:' cannot be negated")]
    [InlineData("lang:en lang:de", 8, "Conflicting language filters")]
    [InlineData("   ", 0, "The query is empty")]
    [InlineData("\"  \"", 0, "Empty phrase")]
    public void Parse_Malformed_ThrowsWithPosition(string query, int position, string reason)
    {
        var error = Should.Throw<QuerySyntaxException>(() => KeywordQueryParser.Parse(query));
        error.Position.ShouldBe(position);
        error.Reason.ShouldStartWith(reason);
        error.Message.ShouldContain($"position {position}");
    }

    [Theory]
    [InlineData("What does \"read.table\" do (with -header) AND doc:x?", "What does read.table do with header and doc x?")]
    [InlineData("+ - ( ) \"", "")]
    [InlineData("NOT a lang:en OR b", "not a lang en or b")]
    [InlineData("ratio:value after:2020-01-01", "ratio:value after 2020-01-01")]
    public void EscapeFreeText_QuestionWithSyntax_ParsesAsPlainWords(string text, string expected)
    {
        var escaped = KeywordQueryParser.EscapeFreeText(text);

        escaped.ShouldBe(expected);
        if (escaped.Length > 0)
        {
            KeywordQueryParser.Parse(escaped).Filters.IsEmpty.ShouldBeTrue();
        }
    }
}
