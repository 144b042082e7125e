using AgentRag.Agents.Sessions;

namespace AgentRag.Agents.Tests.Sessions;

public sealed class FollowUpResolverTests
{
    [Theory]
    [InlineData("and what about its defaults?")]
    [InlineData("What are its arguments?")]
    [InlineData("how do I use it with a header?")]
    [InlineData("What about the separator?")]
    [InlineData("why?")]
    public void IsFollowUp_AnaphoricContinuingOrTopicless_IsTrue(string question) =>
        FollowUpResolver.IsFollowUp(question).ShouldBeTrue();

    [Theory]
    [InlineData("How do I read a table from a file?")]
    [InlineData("What does the beforeExit event do in Node.js?")]
    [InlineData("Where should configuration files live according to the FHS?")]
    public void IsFollowUp_StandaloneQuestion_IsFalse(string question) =>
        FollowUpResolver.IsFollowUp(question).ShouldBeFalse();

    [Fact]
    public void Rewrite_PronounAfterIdentifierQuestion_CarriesTheIdentifierOnly()
    {
        var rewritten = FollowUpResolver.Rewrite("and what about its defaults?", ["How do I read a data frame with read.table?"]);

        rewritten.ShouldBe("and what about its defaults? (read.table)");
    }

    [Fact]
    public void Rewrite_PronounAfterPlainQuestion_CarriesTheTopicWords()
    {
        var rewritten = FollowUpResolver.Rewrite("How do I change it?", ["What is the working directory?"]);

        rewritten.ShouldBe("How do I change it? (working directory)");
    }

    [Fact]
    public void Rewrite_ChainOfFollowUps_KeepsTheOriginalEntity()
    {
        var second = FollowUpResolver.Rewrite("and its defaults?", ["How does read.table parse a file?"]);
        var third = FollowUpResolver.Rewrite("what about the separator it uses?", ["How does read.table parse a file?", second]);

        third.ShouldBe("what about the separator it uses? (read.table)");
    }

    [Fact]
    public void Rewrite_StandaloneQuestion_IsUnchanged()
    {
        FollowUpResolver.Rewrite("What does the beforeExit event do?", ["How do I read a table?"]).ShouldBe("What does the beforeExit event do?");
    }

    [Fact]
    public void Rewrite_NoHistory_IsUnchanged()
    {
        FollowUpResolver.Rewrite("and its defaults?", []).ShouldBe("and its defaults?");
    }
}
