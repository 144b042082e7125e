using AgentRag.WebConsole.Api;
using AgentRag.WebConsole.Components;
using Bunit;

namespace AgentRag.WebConsole.Tests;

/// <summary>The conversation history: sessions listed newest first, reopened, deleted, a new conversation; questions as text.</summary>
public sealed class ConversationListTests : BunitContext
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 9, 30, 0, TimeSpan.Zero);

    private static SessionSummary Session(string id, string first, int turns) =>
        new(id, Now.AddHours(-1), Now, Now.AddDays(7), turns, first, first);

    [Fact]
    public void Render_Sessions_ListsEachWithItsFirstQuestionAndMarksTheCurrentOne()
    {
        var sessions = new[] { Session("s-new", "How do I assign a value?", 3), Session("s-old", "What is a data frame?", 1) };

        var cut = Render<ConversationList>(p => p.Add(c => c.Sessions, sessions).Add(c => c.CurrentId, "s-old"));

        var items = cut.FindAll("li.history-item");
        items.Select(i => i.GetAttribute("data-session")).ShouldBe(["s-new", "s-old"]);
        items[0].QuerySelector(".history-title")!.TextContent.ShouldBe("How do I assign a value?");
        items[0].QuerySelector(".history-meta")!.TextContent.ShouldStartWith("3 questions · ");
        items[1].QuerySelector(".history-meta")!.TextContent.ShouldStartWith("1 question · ");
        items[0].QuerySelector("button.open")!.HasAttribute("aria-current").ShouldBeFalse();
        items[1].QuerySelector("button.open")!.GetAttribute("aria-current").ShouldBe("true");
        items[1].ClassList.ShouldContain("current");
    }

    [Fact]
    public void Click_OpenDeleteAndNew_ReportTheSession()
    {
        var sessions = new[] { Session("s-1", "first", 1), Session("s-2", "second", 2) };
        SessionSummary? opened = null, deleted = null;
        var started = 0;

        var cut = Render<ConversationList>(p => p.Add(c => c.Sessions, sessions)
            .Add(c => c.OnOpen, s => opened = s).Add(c => c.OnDelete, s => deleted = s).Add(c => c.OnNew, () => started++));
        cut.Find("li[data-session=s-2] button.open").Click();
        cut.Find("li[data-session=s-1] button.delete").Click();
        cut.Find("button.new-conversation").Click();

        opened!.Id.ShouldBe("s-2");
        deleted!.Id.ShouldBe("s-1");
        started.ShouldBe(1);
        cut.Find("li[data-session=s-1] button.delete").GetAttribute("aria-label").ShouldBe("Delete the conversation “first”");
    }

    [Fact]
    public void Render_MarkupInAQuestion_IsShownAsText()
    {
        const string hostile = "<img src=x onerror=alert(1)><script>alert(2)</script>";

        var cut = Render<ConversationList>(p => p.Add(c => c.Sessions, new[] { Session("s-1", hostile, 1) }));

        cut.Find(".history-title").TextContent.ShouldBe(hostile);
        cut.FindAll("img").ShouldBeEmpty();
        cut.FindAll("script").ShouldBeEmpty();
    }

    [Fact]
    public void Render_NoSessionsLoadingOrError_SaySo()
    {
        Render<ConversationList>(p => p.Add(c => c.Sessions, Array.Empty<SessionSummary>())).Find(".empty").TextContent.ShouldContain("No conversations yet");
        Render<ConversationList>(p => p.Add(c => c.Sessions, null)).Find(".loading").TextContent.ShouldBe("Loading…");
        var failed = Render<ConversationList>(p => p.Add(c => c.Error, "Your key's role may not do this."));
        failed.Find("[role=alert]").TextContent.ShouldBe("Your key's role may not do this.");
        failed.FindAll("li.history-item").ShouldBeEmpty();
    }
}
