using System.Text.Json;
using AgentRag.TestKit;
using AgentRag.WebConsole.Api;
using AgentRag.WebConsole.Components;
using AgentRag.WebConsole.State;
using Bunit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.WebConsole.Tests;

/// <summary>An approvals-inbox item: its context, a countdown read from the injected clock, and the decisions it sends.</summary>
public sealed class ApprovalCardTests : BunitContext
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private readonly ManualTimeProvider _time = new(Now);
    private readonly List<ApprovalChoice> _choices = [];

    public ApprovalCardTests() => Services.AddSingleton<TimeProvider>(_time);

    private static ApprovalRequestEvent Request(TimeSpan timeout, string action = "Write the answer from 3 passages of 1 document.") => new(
        "apr_1", "wf_1", "synthesize", "synthesis", action, "The tenant reviews every answer.", Now + timeout,
        Reasons: ["before_answer"], Impact: "Approving writes the answer; rejecting ends the workflow without one.", Risk: "low",
        SuggestedDecision: "approve", SuggestionReason: "3 passages support the answer.", CreatedAt: Now);

    private IRenderedComponent<ApprovalCard> Render(ApprovalRequestEvent request, ApprovalDetails? details = null, Func<ApprovalChoice, Task>? decide = null) =>
        Render<ApprovalCard>(p => p
            .Add(c => c.Request, request)
            .Add(c => c.Details, details)
            .Add(c => c.OnDecide, decide ?? (choice =>
            {
                _choices.Add(choice);
                return Task.CompletedTask;
            })));

    [Fact]
    public void Render_PendingRequest_ShowsWhatWhyRiskSuggestionAndACountdownThatFollowsTheClock()
    {
        var cut = Render(Request(TimeSpan.FromHours(2) + TimeSpan.FromSeconds(5)));

        cut.Find("h3").TextContent.ShouldBe("Write the answer from 3 passages of 1 document.");
        cut.Find(".rationale").TextContent.ShouldBe("The tenant reviews every answer.");
        cut.Find(".risk").TextContent.ShouldBe("low");
        cut.Find(".suggestion").TextContent.ShouldBe("approve: 3 passages support the answer.");
        cut.Find(".impact").TextContent.ShouldStartWith("Approving writes the answer");
        cut.Find("[role=timer]").TextContent.Trim().ShouldBe("Times out in 2:00:05");

        _time.Advance(TimeSpan.FromMinutes(1));
        cut.WaitForAssertion(() => cut.Find("[role=timer]").TextContent.Trim().ShouldBe("Times out in 1:59:05"));

        _time.Advance(TimeSpan.FromHours(2));
        cut.WaitForAssertion(() => cut.Find("[role=timer]").TextContent.Trim().ShouldBe("Timeout reached"));
        cut.Find("[role=timer]").ClassList.ShouldContain("expired");
    }

    [Theory]
    [InlineData(3 * 24 * 3600 + 4 * 3600 + 5 * 60, "3 d 4 h 5 min")]
    [InlineData(59, "0:00:59")]
    [InlineData(23 * 3600 + 59 * 60 + 59, "23:59:59")]
    public void FormatRemaining_Durations_ReadAsDaysOrAClock(int seconds, string expected) =>
        ApprovalCard.FormatRemaining(TimeSpan.FromSeconds(seconds)).ShouldBe(expected);

    [Fact]
    public void Approve_WithAComment_SendsTheDecisionAndTheTrimmedComment()
    {
        var cut = Render(Request(TimeSpan.FromHours(1)));

        cut.Find("textarea.comment").Input("  checked the sources  ");
        cut.Find("button.approve").Click();

        _choices.ShouldHaveSingleItem().ShouldBe(new ApprovalChoice("apr_1", "approve", "checked the sources", null));
    }

    [Fact]
    public void Reject_WithoutAComment_SendsNoComment()
    {
        var cut = Render(Request(TimeSpan.FromHours(1)));

        cut.Find("button.reject").Click();

        _choices.ShouldHaveSingleItem().ShouldBe(new ApprovalChoice("apr_1", "reject", null, null));
    }

    [Fact]
    public void Modify_EditedArguments_SendsThemAsTheInputs()
    {
        var details = new ApprovalDetails
        {
            Id = "apr_1",
            Status = "pending",
            Context = JsonSerializer.SerializeToElement(new { query = "What is <b>R</b>?", sources = new[] { new { documentName = "R-intro.pdf", excerpt = "<img src=x onerror=alert(1)>" } } }),
            Inputs = JsonSerializer.SerializeToElement(new { maxSentences = 5 }),
        };
        var cut = Render(Request(TimeSpan.FromHours(1)), details);

        // The context is text: markup in the question or a source excerpt is shown, never interpreted.
        cut.Find(".question-text").TextContent.ShouldBe("What is <b>R</b>?");
        cut.Find(".source-excerpt").TextContent.ShouldBe("<img src=x onerror=alert(1)>");
        cut.FindAll(".approval-sources img").ShouldBeEmpty();

        cut.Find("button.edit").Click();
        JsonDocument.Parse(cut.Find("textarea.inputs").GetAttribute("value") ?? cut.Find("textarea.inputs").TextContent).RootElement
            .GetProperty("maxSentences").GetInt32().ShouldBe(5);
        cut.Find("textarea.inputs").Input("""{"maxSentences": 2}""");
        cut.Find("button.modify").Click();

        var choice = _choices.ShouldHaveSingleItem();
        choice.Decision.ShouldBe("modify");
        choice.Inputs!["maxSentences"].GetInt32().ShouldBe(2);
    }

    [Fact]
    public void Modify_ArgumentsThatAreNotAJsonObject_SaysSoAndSendsNothing()
    {
        var details = new ApprovalDetails { Id = "apr_1", Status = "pending", Inputs = JsonSerializer.SerializeToElement(new { maxSentences = 5 }) };
        var cut = Render(Request(TimeSpan.FromHours(1)), details);

        cut.Find("button.edit").Click();
        cut.Find("textarea.inputs").Input("{ not json");
        cut.Find("button.modify").Click();

        cut.Find("[role=alert]").TextContent.ShouldStartWith("The arguments are not a JSON object");
        _choices.ShouldBeEmpty();
    }

    [Fact]
    public void Decide_ServerRefuses_ShowsWhyOnTheCard()
    {
        var cut = Render(Request(TimeSpan.FromHours(1)), decide: _ => throw new ApiException(System.Net.HttpStatusCode.Gone, "410 Approval apr_1 expired."));

        cut.Find("button.approve").Click();

        cut.Find("[role=alert]").TextContent.ShouldBe("410 Approval apr_1 expired.");
        cut.Find("button.approve").HasAttribute("disabled").ShouldBeFalse();
    }

    [Fact]
    public void Render_WithoutDetails_OffersNoModify()
    {
        var cut = Render(Request(TimeSpan.FromHours(1)));

        cut.FindAll("button.edit").ShouldBeEmpty();
        cut.FindAll(".approval-sources").ShouldBeEmpty();
    }

    [Fact]
    public void Dispose_StopsTheCountdownTimer()
    {
        var cut = Render(Request(TimeSpan.FromHours(1)));
        _time.PendingTimers.ShouldBe(1);

        cut.Instance.Dispose();

        _time.PendingTimers.ShouldBe(0);
    }
}
