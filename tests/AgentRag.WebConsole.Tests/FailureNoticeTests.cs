using System.Net;
using AgentRag.WebConsole.Api;
using AgentRag.WebConsole.Components;
using AgentRag.WebConsole.State;
using Bunit;

namespace AgentRag.WebConsole.Tests;

/// <summary>The clear states of a question: offline, rate limited, budget exhausted and model down each say so differently.</summary>
public sealed class FailureNoticeTests : BunitContext
{
    [Theory]
    [InlineData(null, FailureKind.Offline, "You are offline, or the server cannot be reached")]
    [InlineData(HttpStatusCode.TooManyRequests, FailureKind.RateLimited, "Rate limited: try again in 30 s")]
    [InlineData(HttpStatusCode.PaymentRequired, FailureKind.BudgetExhausted, "The model budget is exhausted")]
    [InlineData(HttpStatusCode.ServiceUnavailable, FailureKind.ModelUnavailable, "The model is unavailable")]
    [InlineData(HttpStatusCode.BadGateway, FailureKind.ModelUnavailable, "The model is unavailable")]
    [InlineData(HttpStatusCode.BadRequest, FailureKind.Refused, "The question was refused")]
    public void From_ApiStatus_SortsTheFailureAndTitlesIt(HttpStatusCode? status, FailureKind kind, string title)
    {
        var failure = ChatFailure.From(new ApiException(status, "detail from the server", TimeSpan.FromSeconds(29.2)));

        failure.Kind.ShouldBe(kind);
        failure.Title.ShouldBe(title);

        var cut = Render<FailureNotice>(p => p.Add(c => c.Failure, failure));
        var notice = cut.Find("[role=alert]");
        notice.GetAttribute("data-kind").ShouldBe(kind.ToString());
        notice.QuerySelector(".failure-title")!.TextContent.ShouldBe(title);
        notice.QuerySelector(".failure-detail")!.TextContent.ShouldBe("detail from the server");
    }

    [Fact]
    public void Titles_EveryKind_IsDistinct()
    {
        var titles = Enum.GetValues<FailureKind>().Select(k => new ChatFailure(k, "").Title).ToList();

        titles.Distinct().Count().ShouldBe(titles.Count);
        new ChatFailure(FailureKind.RateLimited, "").Title.ShouldBe("Rate limited: try again shortly");
    }

    [Fact]
    public void Render_ModelDownButAnswered_SaysTheAnswerIsQuotedFromTheDocuments()
    {
        var cut = Render<FailureNotice>(p => p.Add(c => c.Failure, new ChatFailure(FailureKind.ModelUnavailable, "The chat model failed (500).")).Add(c => c.Answered, true));

        cut.Find(".failure-advice").TextContent.ShouldBe("The answer below quotes the documents instead of using the model.");
    }

    [Fact]
    public void Timeline_ModelFailedWarning_BecomesOneNoticeAndNotAWarning()
    {
        var timeline = new WorkflowTimeline("How do I assign a value?");
        const string warning = "The chat model failed (Every model in the chain failed); the answer is extractive.";
        var progress = $$$"""{"stepId":"synthesize","agent":"synthesis","attempt":1,"message":"","warning":{"kind":"model.failed","message":"{{{warning}}}"}}""";
        timeline.Apply("step.progress", progress);
        timeline.Apply("step.progress", progress);
        timeline.Apply("step.progress", """{"stepId":"synthesize","agent":"synthesis","attempt":1,"message":"","warning":{"kind":"tool.error","message":"A tool failed."}}""");
        timeline.Apply("done", $$"""
            {"answer":"Use <-.","citations":[],"warnings":["{{warning}}","Extractive answer."],"workflowId":"wf_1","mode":"extractive",
             "citationSupportRate":1,"confidence":40,"declined":false,"followUps":[]}
            """);

        timeline.Notices.ShouldHaveSingleItem().Kind.ShouldBe(FailureKind.ModelUnavailable);
        timeline.Notices[0].Detail.ShouldBe(warning);
        timeline.Warnings.ShouldBe(["A tool failed.", "Extractive answer."]);
        timeline.Failure.ShouldBeNull();
    }

    [Fact]
    public void Timeline_BudgetWarning_BecomesABudgetNotice()
    {
        var timeline = new WorkflowTimeline("q");
        timeline.Apply("step.progress", """{"stepId":"synthesize","agent":"synthesis","attempt":1,"message":"","warning":{"kind":"budget","message":"Budget reached: the tenant's daily tokens."}}""");

        timeline.Notices.ShouldHaveSingleItem().Kind.ShouldBe(FailureKind.BudgetExhausted);
    }
}
