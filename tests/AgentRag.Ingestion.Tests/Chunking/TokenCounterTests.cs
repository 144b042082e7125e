using AgentRag.Ingestion.Chunking;

namespace AgentRag.Ingestion.Tests.Chunking;

public sealed class TokenCounterTests
{
    [Theory]
    [InlineData("", 0)]
    [InlineData("   \n\t ", 0)]
    [InlineData("Hello, world!", 4)]
    [InlineData("the cat sat", 3)]
    [InlineData("internationalization", 4)] // 20 letters: pieces of 6
    [InlineData("x <- c(10.4, 5.6)", 13)]
    [InlineData("naïve café", 2)]
    [InlineData("日本語", 3)]
    public void Count_Text_FollowsTheDocumentedRules(string text, int expected) =>
        TokenCounter.Count(text).ShouldBe(expected);

    [Fact]
    public void Count_WhitespaceLayout_DoesNotChangeTheCount() =>
        TokenCounter.Count("one two\nthree\n\n  four").ShouldBe(TokenCounter.Count("one two three four"));
}
