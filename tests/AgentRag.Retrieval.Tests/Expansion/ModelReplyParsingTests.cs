using AgentRag.Retrieval.Expansion;
using AgentRag.Retrieval.Reranking;

namespace AgentRag.Retrieval.Tests.Expansion;

public sealed class ModelReplyParsingTests
{
    [Fact]
    public void ParseRewrites_NumberedBulletedQuoted_StripsDecorationAndDropsDuplicatesOfTheQuery()
    {
        var reply = "Rewrites:\n1. how to import a CSV file\n- \"read.table usage\"\n* How do I read a table from a file?\n2) how to import a CSV file\n\n";

        var rewrites = LlmQueryRewriter.ParseRewrites(reply, "how do I read a table from a file", 3);

        rewrites.ShouldBe(["how to import a CSV file", "read.table usage"]);
    }

    [Fact]
    public void ParseRewrites_MoreThanAsked_KeepsTheFirst()
    {
        LlmQueryRewriter.ParseRewrites("a\nb\nc\nd", "q", 2).ShouldBe(["a", "b"]);
    }

    [Fact]
    public void ParseRewrites_EmptyOrOverlongLines_YieldNothing()
    {
        LlmQueryRewriter.ParseRewrites("\n  \n" + new string('x', 400), "q", 3).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("3", 3)]
    [InlineData("Relevance: 2", 2)]
    [InlineData(" 0\n", 0)]
    [InlineData("7", null)]
    [InlineData("10", null)]
    [InlineData("highly relevant", null)]
    public void ParseGrade_Reply_ReadsTheFirstGradeOnTheScale(string reply, int? grade)
    {
        LlmPointwiseReranker.ParseGrade(reply).ShouldBe(grade);
    }
}
