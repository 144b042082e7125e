using AgentRag.Storage.Sqlite.Benchmarks;
using AgentRag.TestKit;

namespace AgentRag.Storage.Sqlite.Tests;

/// <summary>The SQLite FTS5 baseline answers queries correctly (checked by hand on a toy corpus).</summary>
public sealed class Fts5BaselineTests
{
    /// <summary>Part of Lucene's English list, which the product passes.</summary>
    private static readonly string[] StopWords = ["a", "and", "of", "the"];

    private static Fts5Baseline NewBaseline()
    {
        var baseline = new Fts5Baseline(":memory:", StopWords);
        baseline.Add(ToyCorpus.Documents);
        baseline.Optimize();
        return baseline;
    }

    [Fact]
    public void Search_OneTerm_MatchesFts5Bm25ComputedByHand()
    {
        using var fts5 = NewBaseline();

        var hits = fts5.Search("cat", 10);

        // FTS5 bm25 (k1 = 1.2, b = 0.75): idf = ln((N − n + 0.5)/(n + 0.5)) = ln(3.5/2.5); avgdl = 18/5 = 3.6 tokens.
        var idf = Math.Log(3.5 / 2.5);
        double Score(int length) => idf * 2.2 / (1 + (1.2 * (0.25 + (0.75 * length / 3.6))));
        hits.Select(h => h.Id).ShouldBe(["d1", "d2"]);
        hits[0].Score.ShouldBe(Score(3), 1e-6);
        hits[1].Score.ShouldBe(Score(5), 1e-6);
    }

    [Fact]
    public void Search_PorterStemming_MatchesInflectedForms()
    {
        using var fts5 = NewBaseline();

        fts5.Search("cow birds", 10).Select(h => h.Id).ShouldBe(["d3", "d5"], ignoreOrder: true);
    }

    [Fact]
    public void ToMatchExpression_FreeText_QuotesDistinctWordsWithoutStopwordsOrSyntax()
    {
        using var fts5 = NewBaseline();

        fts5.ToMatchExpression("The cats, AND \"dogs\" (NEAR cats)!").ShouldBe("\"cats\" OR \"dogs\" OR \"near\"");
        fts5.ToMatchExpression("the and of").ShouldBeNull();
    }

    [Fact]
    public void Constructor_ExistingFile_ThrowsNamingIt()
    {
        var path = Path.GetTempFileName();
        try
        {
            Should.Throw<IOException>(() => new Fts5Baseline(path, StopWords)).Message.ShouldContain(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
