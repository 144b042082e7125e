using AgentRag.WebConsole.Components;
using AgentRag.WebConsole.State;
using Bunit;

namespace AgentRag.WebConsole.Tests;

/// <summary>Under an answer: the follow-up questions as buttons, and the thumbs up or down.</summary>
public sealed class AnswerFeaturesTests : BunitContext
{
    private const string Done = """
        {"answer":"Use <- to assign.","citations":[],"warnings":["Extractive answer: sentences quoted from the documents (no chat model was used)."],
         "workflowId":"wf_1","mode":"extractive","citationSupportRate":1,"confidence":72,"declined":false,
         "followUps":["What are vectors?","How do I use c()?","What does ls() show?","A fourth one"]}
        """;

    [Fact]
    public void FollowUps_FourSuggested_ShowsTheFirstThreeAsButtonsThatAsk()
    {
        var timeline = new WorkflowTimeline("How do I assign a value?");
        timeline.Apply("done", Done);
        string? asked = null;

        var cut = Render<FollowUpQuestions>(p => p.Add(c => c.Questions, timeline.Done!.FollowUps).Add(c => c.OnAsk, q => asked = q));

        var buttons = cut.FindAll("button.follow-up");
        buttons.Select(b => b.TextContent).ShouldBe(["What are vectors?", "How do I use c()?", "What does ls() show?"]);
        buttons[1].Click();
        asked.ShouldBe("How do I use c()?");
        cut.Find("[role=group]").GetAttribute("aria-label").ShouldBe("Follow-up questions");
    }

    [Fact]
    public void FollowUps_NoneOrDisabled_HidesTheRowOrDisablesTheButtons()
    {
        Render<FollowUpQuestions>(p => p.Add(c => c.Questions, Array.Empty<string>())).Markup.Trim().ShouldBeEmpty();
        Render<FollowUpQuestions>(p => p.Add(c => c.Questions, null)).Markup.Trim().ShouldBeEmpty();
        Render<FollowUpQuestions>(p => p.Add(c => c.Questions, new[] { "Next?" }).Add(c => c.Disabled, true))
            .Find("button.follow-up").HasAttribute("disabled").ShouldBeTrue();
    }

    [Fact]
    public void Rating_Rated_PressesThatThumbAndThanks()
    {
        string? rated = null;

        var cut = Render<AnswerRating>(p => p.Add(c => c.OnRate, r => rated = r));
        cut.Find("button.rate-down").Click();

        rated.ShouldBe("down");
        cut.Find("button.rate-up").GetAttribute("aria-pressed").ShouldBe("false");
        cut.FindAll(".rated").ShouldBeEmpty();

        cut.Render(p => p.Add(c => c.Rating, "up"));
        cut.Find("button.rate-up").GetAttribute("aria-pressed").ShouldBe("true");
        cut.Find("button.rate-down").GetAttribute("aria-pressed").ShouldBe("false");
        cut.Find(".rated[role=status]").TextContent.ShouldBe("Thanks for the feedback.");
    }

    [Fact]
    public void Rating_Refused_ShowsWhyInsteadOfThanks()
    {
        var cut = Render<AnswerRating>(p => p.Add(c => c.Rating, "up").Add(c => c.Error, "Your key's role may not do this."));

        cut.Find("[role=alert]").TextContent.ShouldBe("Your key's role may not do this.");
        cut.FindAll(".rated").ShouldBeEmpty();
    }
}
