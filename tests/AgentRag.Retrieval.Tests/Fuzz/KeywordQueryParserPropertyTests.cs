using AgentRag.Core.Documents;
using AgentRag.Core.Search;
using AgentRag.Retrieval.Query;
using AgentRag.Retrieval.Search;
using AgentRag.Retrieval.Tests.EndToEnd;
using AgentRag.TestKit;
using CsCheck;

namespace AgentRag.Retrieval.Tests.Fuzz;

/// <summary>
/// Property-based tests of the keyword query syntax: any string either parses or is refused with a
/// <see cref="QuerySyntaxException"/> that has a message and a position inside the string; nothing else escapes, and
/// search over a small index behaves the same. Each test draws one fixed-seed sample of many strings
/// (<see cref="FuzzSeeds.Parser"/>), so a run is reproducible; CsCheck shrinks a failure to a small string.
/// </summary>
public sealed class KeywordQueryParserPropertyTests
{
    /// <summary>Query syntax fragments, words, filters with good and bad values, and arbitrary characters (surrogates included).</summary>
    private static readonly Gen<string> Fragment = Gen.Frequency(
        (6, Gen.OneOf<string>("AND", "OR", "NOT", "and", "(", ")", "\"", "\"\"", "+", "-", ":", " ", "  ", "\t", "\n", "\u00a0",
            "doc:", "after:", "before:", "lang:", "DOC:", "doc:\"a b\"", "doc:\"", "after:2024-02-29", "after:2023-02-29",
            "before:0001-01-01", "before:9999-12-31", "after:2024-1-1", "lang:en", "lang:en-US", "lang:e", "lang:123",
            "ratio:value", "-(", "+(", "NOT(", "\"read table\"")),
        (4, Gen.String[Gen.Char.AlphaNumeric, 1, 8]),
        (2, Gen.Char.Select(c => c.ToString())),
        (1, Gen.String[Gen.Char, 0, 12]));

    private static readonly Gen<string> Flat = Fragment.Array[0, 30].Select(parts => string.Concat(parts));

    /// <summary>Deeply nested groups, negations and quotes, thousands of levels deep, closed or not.</summary>
    private static readonly Gen<string> Nested = Gen.Select(
        Gen.Int[1, 50_000], Gen.OneOf<string>("(", "NOT ", "-(", "+(", "NOT (", "( a AND "), Gen.Bool,
        (depth, open, closed) => string.Concat(Enumerable.Repeat(open, depth)) + "a" + (closed ? new string(')', depth) : ""));

    private static readonly Gen<string> Query = Gen.Frequency((9, Flat), (1, Nested));

    private static string Print(string query) => query.Length <= 200 ? $"\"{query}\"" : $"\"{query[..200]}…\" ({query.Length} chars)";

    private static void ParsesOrRefuses(string query)
    {
        try
        {
            var parsed = KeywordQueryParser.Parse(query);
            parsed.Filters.ShouldNotBeNull();
        }
        catch (QuerySyntaxException e)
        {
            e.Message.ShouldNotBeNullOrWhiteSpace();
            e.Position.ShouldBeInRange(0, query.Length);
        }
    }

    [Fact]
    public void Parse_AnyString_ParsesOrThrowsQuerySyntaxException() =>
        Query.Array[FuzzSeeds.ParserSamples].Sample(
            queries => Array.ForEach(queries, ParsesOrRefuses),
            seed: FuzzSeeds.Parser, iter: 1, threads: 1,
            print: queries => string.Join(Environment.NewLine, queries.Select(Print)));

    [Fact]
    public void Parse_GroupsNestedThousandsDeep_ThrowsQuerySyntaxException()
    {
        var query = new string('(', 20_000) + "a" + new string(')', 20_000);

        var refusal = Should.Throw<QuerySyntaxException>(() => KeywordQueryParser.Parse(query));

        refusal.Message.ShouldContain("nested");
        refusal.Position.ShouldBe(KeywordQueryParser.MaxNesting);
    }

    [Fact]
    public void Parse_NestingAtLimit_Parses() =>
        KeywordQueryParser.Parse(new string('(', KeywordQueryParser.MaxNesting) + "a" + new string(')', KeywordQueryParser.MaxNesting))
            .Root.ShouldBeOfType<TermNode>().Text.ShouldBe("a");

    [Fact]
    public async Task SearchAsync_AnyString_ReturnsHitsOrThrowsDocumentedException()
    {
        using var data = new TempDirectory("agentrag-query-fuzz");
        await using var product = ProductHarness.Start(data.Path, new Dictionary<string, string?>());
        foreach (var (name, text) in new[]
        {
            ("tables.txt", "The read.table function reads a file in table format and creates a data frame from it."),
            ("plots.txt", "Use the plot command to draw a scatter plot of two numeric vectors."),
        })
        {
            var (document, _) = await product.IngestTextAsync("fuzz", name, text);
            document.Status.ShouldBe(DocumentStatus.Ready, document.Error);
        }

        await Query.Array[FuzzSeeds.SearchSamples].SampleAsync(
            async queries =>
            {
                foreach (var query in queries)
                {
                    try
                    {
                        var response = await product.Search.SearchAsync("fuzz", new SearchRequest { Query = query, Mode = SearchMode.Bm25 });
                        response.Hits.ShouldAllBe(hit => hit.Text.Length > 0);
                    }
                    catch (Exception e) when (e is QuerySyntaxException or ArgumentException)
                    {
                        e.Message.ShouldNotBeNullOrWhiteSpace();
                    }
                }
            },
            seed: FuzzSeeds.Search, iter: 1, threads: 1,
            print: queries => string.Join(Environment.NewLine, queries.Select(Print)));
    }
}
