using AgentRag.Core.Feedback;
using Shouldly;
using Xunit;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="IAnswerQualityStore"/>: outcomes replaced per workflow, one feedback per caller and
/// workflow, per-prompt-version aggregates that count each only once, all scoped to one tenant.
/// </summary>
public abstract class AnswerQualityStoreContract : BackendContract
{
    private static readonly PromptVersionRef SynthesisV1 = new("synthesis", "1");
    private static readonly PromptVersionRef SynthesisV2 = new("synthesis", "2");

    private IAnswerQualityStore Store => Get<IAnswerQualityStore>();

    [Fact]
    public async Task RecordFeedbackAsync_ThenGet_RoundTripsAfterARestart()
    {
        var feedback = Feedback(TenantA, "wf_1", "alice", AnswerRating.Down, "cites the wrong page", [SynthesisV1, new("planner", "3")]) with
        {
            Models = ["gpt-cheap", "gpt-primary"],
        };

        (await Store.RecordFeedbackAsync(feedback)).ShouldBeFalse();
        await ReopenAsync();

        var loaded = (await Store.GetFeedbackAsync(TenantA, "wf_1", "alice"))!;
        loaded.Prompts.ShouldBe(feedback.Prompts);
        loaded.Models.ShouldBe(feedback.Models);
        loaded.ShouldBe(feedback with { Prompts = loaded.Prompts, Models = loaded.Models });
    }

    [Fact]
    public async Task GetFeedbackAsync_OtherCallerWorkflowOrTenant_ReturnsNull()
    {
        await Store.RecordFeedbackAsync(Feedback(TenantA, "wf_1", "alice", AnswerRating.Up, null, [SynthesisV1]));

        (await Store.GetFeedbackAsync(TenantA, "wf_1", "bob")).ShouldBeNull();
        (await Store.GetFeedbackAsync(TenantA, "wf_2", "alice")).ShouldBeNull();
        (await Store.GetFeedbackAsync(TenantB, "wf_1", "alice")).ShouldBeNull();
    }

    [Fact]
    public async Task RecordFeedbackAsync_SameCallerAgain_ReplacesTheFirstAndCountsOnce()
    {
        (await Store.RecordFeedbackAsync(Feedback(TenantA, "wf_1", "alice", AnswerRating.Up, "good", [SynthesisV1]))).ShouldBeFalse();

        (await Store.RecordFeedbackAsync(Feedback(TenantA, "wf_1", "alice", AnswerRating.Down, "on second thought", [SynthesisV1]))).ShouldBeTrue();

        var feedback = (await Store.GetFeedbackAsync(TenantA, "wf_1", "alice"))!;
        (feedback.Rating, feedback.Comment).ShouldBe((AnswerRating.Down, "on second thought"));
        var quality = (await Store.QueryPromptQualityAsync(TenantA)).ShouldHaveSingleItem();
        (quality.FeedbackUp, quality.FeedbackDown).ShouldBe((0L, 1L));
    }

    [Fact]
    public async Task QueryPromptQualityAsync_OutcomesAndFeedback_AggregatePerPromptVersionOfTheTenant()
    {
        await Store.RecordOutcomeAsync(Outcome(TenantA, "wf_1", 1.0, SynthesisV1));
        await Store.RecordOutcomeAsync(Outcome(TenantA, "wf_2", 0.5, SynthesisV1));
        await Store.RecordOutcomeAsync(Outcome(TenantA, "wf_3", null, SynthesisV1)); // a decline: no rate
        await Store.RecordOutcomeAsync(Outcome(TenantA, "wf_4", 0.25, SynthesisV2));
        await Store.RecordOutcomeAsync(Outcome(TenantB, "wf_9", 0.0, SynthesisV1));
        await Store.RecordFeedbackAsync(Feedback(TenantA, "wf_1", "alice", AnswerRating.Up, null, [SynthesisV1]));
        await Store.RecordFeedbackAsync(Feedback(TenantA, "wf_1", "bob", AnswerRating.Up, null, [SynthesisV1]));
        await Store.RecordFeedbackAsync(Feedback(TenantA, "wf_2", "alice", AnswerRating.Down, null, [SynthesisV1]));
        await Store.RecordFeedbackAsync(Feedback(TenantB, "wf_9", "eve", AnswerRating.Down, null, [SynthesisV1]));

        var quality = await Store.QueryPromptQualityAsync(TenantA);

        quality.ShouldBe(
        [
            new PromptQuality("synthesis", "1", Workflows: 3, RatedWorkflows: 2, CitationSupportRate: 0.75, FeedbackUp: 2, FeedbackDown: 1),
            new PromptQuality("synthesis", "2", Workflows: 1, RatedWorkflows: 1, CitationSupportRate: 0.25, FeedbackUp: 0, FeedbackDown: 0),
        ], ignoreOrder: true);
        (await Store.QueryPromptQualityAsync("tenant-none")).ShouldBeEmpty();
    }

    [Fact]
    public async Task RecordOutcomeAsync_SameWorkflowAgain_ReplacesItsRows()
    {
        await Store.RecordOutcomeAsync(Outcome(TenantA, "wf_1", 0.2, SynthesisV1));

        await Store.RecordOutcomeAsync(Outcome(TenantA, "wf_1", 0.8, SynthesisV2));

        var quality = (await Store.QueryPromptQualityAsync(TenantA)).ShouldHaveSingleItem();
        (quality.Version, quality.Workflows, quality.CitationSupportRate).ShouldBe(("2", 1L, (double?)0.8));
    }

    [Fact]
    public async Task QueryPromptQualityAsync_FeedbackWithoutOutcome_IsListedWithNoWorkflows()
    {
        await Store.RecordFeedbackAsync(Feedback(TenantA, "wf_1", "alice", AnswerRating.Up, null, [SynthesisV2]));

        var quality = (await Store.QueryPromptQualityAsync(TenantA)).ShouldHaveSingleItem();

        quality.ShouldBe(new PromptQuality("synthesis", "2", 0, 0, null, 1, 0));
        quality.FeedbackScore.ShouldBe(1.0);
    }

    private static AnswerOutcome Outcome(string tenantId, string workflowId, double? rate, PromptVersionRef prompt) =>
        new(tenantId, workflowId, [new AssignedPrompt(prompt.PromptId, prompt.Version, Used: true)], rate is null ? "declined" : "generative", rate, Epoch);

    private static AnswerFeedback Feedback(string tenantId, string workflowId, string userId, AnswerRating rating, string? comment, IReadOnlyList<PromptVersionRef> prompts) =>
        new(tenantId, workflowId, userId, rating, comment, prompts, ["gpt-primary"], Epoch.AddMinutes(1));
}
