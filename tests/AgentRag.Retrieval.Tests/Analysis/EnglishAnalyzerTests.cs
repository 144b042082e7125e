using AgentRag.Retrieval.Analysis;

namespace AgentRag.Retrieval.Tests.Analysis;

public sealed class EnglishAnalyzerTests
{
    private static IReadOnlyList<string> Terms(string text) => EnglishAnalyzer.Default.Analyze(text);

    private static IReadOnlyList<string> Tokens(string text) => new EnglishAnalyzer(removeStopWords: false, stem: false).Analyze(text);

    [Fact]
    public void Analyze_Sentence_LowercasesRemovesStopwordsAndStems() =>
        Terms("The Cats are running into the gardens of their neighbours")
            .ShouldBe(["cat", "run", "garden", "neighbour"]);

    [Fact]
    public void Analyze_Possessive_RemovesApostropheS() =>
        Terms("John's book and Mary’s CAT'S toys").ShouldBe(["john", "book", "mari", "cat", "toi"]);

    [Theory]
    [InlineData("3.14 and 1,000 people", new[] { "3.14", "and", "1,000", "people" })]
    [InlineData("e.g. the U.S. economy", new[] { "e.g", "the", "u.s", "economy" })]
    [InlineData("state-of-the-art well_known", new[] { "state", "of", "the", "art", "well_known" })]
    [InlineData("O'Neil can't go", new[] { "o'neil", "can't", "go" })]
    [InlineData("IL-6 and TNF-alpha, p<0.05", new[] { "il", "6", "and", "tnf", "alpha", "p", "0.05" })]
    [InlineData("co2 h2o 10mg", new[] { "co2", "h2o", "10mg" })]
    [InlineData("see: figure.", new[] { "see", "figure" })]
    [InlineData("ratio:value", new[] { "ratio:value" })]
    [InlineData("naïve café", new[] { "naïve", "café" })]
    [InlineData("日本語", new[] { "日", "本", "語" })]
    [InlineData("--- ___ !!!", new string[0])]
    public void Analyze_Tokenization_FollowsUnicodeWordBreakRules(string text, string[] expected) =>
        Tokens(text).ShouldBe(expected);

    [Fact]
    public void Analyze_StopwordList_IsLuceneEnglishSet()
    {
        EnglishStopWords.Words.Count.ShouldBe(33);
        Terms(string.Join(' ', EnglishStopWords.Words)).ShouldBeEmpty();
    }

    [Fact]
    public void AnalyzeWithPositions_Stopwords_LeavePositionGaps() =>
        EnglishAnalyzer.Default.AnalyzeWithPositions("cost of the war").ShouldBe([("cost", 0), ("war", 3)]);

    [Fact]
    public void Analyze_OverlongToken_IsSplitAtMaxTokenLength()
    {
        var tokens = Tokens(new string('x', 300));
        tokens.Select(t => t.Length).ShouldBe([255, 45]);
    }
}
