using AgentRag.Agents.Retrieval;
using AgentRag.Agents.Tests.Support;
using AgentRag.Agents.Text;

namespace AgentRag.Agents.Tests.Text;

public sealed class SearchPassageRetrieverTests
{
    [Fact]
    public void Rerank_QuestionNamesTheManual_ItsPassageOutranksAnotherManualsCloserKeywordMatch()
    {
        RetrievedPassage[] candidates =
        [
            ScriptedRetriever.Passage("color", "You can assign a separate color to each data point: the value of a variable in the input column.",
                "Colorspec > Rgbcolor variable", "gnuplot.pdf") with { Score = 5.3 },
            ScriptedRetriever.Passage("vectors", "R operates on named data structures. To set up a vector named x, use the R command x <- c(10.4, 5.6).",
                "2 Simple manipulations > 2.1 Vectors and assignment", "R-intro.pdf") with { Score = 5.0 },
            ScriptedRetriever.Passage("scope", "R first looks for a variable in the environment created when the function was called.",
                "10 Writing your own functions > 10.7 Scope", "R-intro.pdf") with { Score = 4.9 },
        ];

        var ranked = SearchPassageRetriever.Rerank("How do I assign a value to a variable in R?", candidates, k: 3);

        ranked.Select(p => p.ChunkId).ShouldBe(["chk_vectors", "chk_scope", "chk_color"]);
    }

    [Fact]
    public void Rerank_QuestionNamesNoDocument_KeepsHeadingEvidenceAlone()
    {
        RetrievedPassage[] candidates =
        [
            ScriptedRetriever.Passage("a", "Lock files hold the process id.", "Spool", "fhs.md") with { Score = 5.0 },
            ScriptedRetriever.Passage("b", "Lock files are named LCK.. and the device name.", "Lock files", "policy.md") with { Score = 4.0 },
        ];

        var ranked = SearchPassageRetriever.Rerank("Where are lock files?", candidates, k: 2);

        ranked.Select(p => (p.ChunkId, p.Score)).ShouldBe([("chk_b", 1.8), ("chk_a", 1.0)]);
    }

    [Fact]
    public void NamingStrengths_SubjectConcentratedInItsManual_CountsMoreThanACommonWordOfAFileName()
    {
        RetrievedPassage[] candidates =
        [
            ScriptedRetriever.Passage("g1", "gnuplot reads the data file column by column.", document: "gnuplot.pdf"),
            ScriptedRetriever.Passage("g2", "Each data set is separated by blank lines; gnuplot skips comments.", document: "gnuplot.pdf"),
            ScriptedRetriever.Passage("g3", "Data values separated by commas need a separator setting.", document: "gnuplot.pdf"),
            ScriptedRetriever.Passage("r1", "Data files are read into data frames with read.table.", document: "R-data.pdf"),
        ];
        var texts = candidates.Select(p => LexicalSimilarity.Terms($"{p.HeadingPath} {p.Text}")).ToList();

        var strengths = SearchPassageRetriever.NamingStrengths(QuestionText.TopicTerms("How do I tell gnuplot my data file uses commas?"), candidates, texts);

        strengths.ShouldBe(new Dictionary<string, double> { ["gnuplot"] = 1.0, ["data"] = 0.25 });
        SearchPassageRetriever.NameMatch(strengths, "gnuplot.pdf").ShouldBe(1.0);
        SearchPassageRetriever.NameMatch(strengths, "R-data.pdf").ShouldBe(0.25);
        SearchPassageRetriever.NameMatch(strengths, "nodejs-url.md").ShouldBe(0);
    }

    [Theory]
    [InlineData("R-intro.pdf", new[] { "r", "intro" })]
    [InlineData("nodejs-process.md", new[] { "nodej", "process" })]
    [InlineData("fhs-3.0.html", new[] { "fh", "30" })]
    public void NameTerms_FileName_AnalyzedWordsWithoutExtensionOrDots(string fileName, string[] expected) =>
        SearchPassageRetriever.NameTerms(fileName).ShouldBe(expected, ignoreOrder: true);

    [Fact]
    public void NameMatch_DottedNameInTheQuestion_MatchesTheFileNameWithoutDots()
    {
        RetrievedPassage[] candidates = [ScriptedRetriever.Passage("p", "Exit codes of the process.", document: "nodejs-process.md")];
        var texts = candidates.Select(p => LexicalSimilarity.Terms(p.Text)).ToList();

        var strengths = SearchPassageRetriever.NamingStrengths(QuestionText.TopicTerms("What does exit code 13 mean in Node.js?"), candidates, texts);

        SearchPassageRetriever.NameMatch(strengths, "nodejs-process.md").ShouldBe(1.0);
    }
}
