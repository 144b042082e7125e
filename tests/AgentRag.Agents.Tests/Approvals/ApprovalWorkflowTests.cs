using System.Text.Json;
using AgentRag.Agents.Approvals;
using AgentRag.Agents.Plans;
using AgentRag.Agents.Workflows;
using AgentRag.Core;
using AgentRag.Core.Approvals;
using AgentRag.Core.Serialization;
using AgentRag.TestKit;


namespace AgentRag.Agents.Tests.Approvals;

public sealed class ApprovalWorkflowTests : IDisposable
{
    private const string Question = "Where do device lock files go?";

    private readonly TempDirectory _data = new("agentrag-approvals");
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _data.Dispose();

    private static IReadOnlyDictionary<string, JsonElement> Inputs(object value) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(JsonSerializer.Serialize(value, AgentRagJson.Options), AgentRagJson.Options)!;

    [Fact]
    public async Task BeforeAnswer_Approved_SynthesisRunsAfterTheDecisionAndTheWorkflowCompletes()
    {
        await using var host = await ApprovalHost.StartAsync(_data.Path, _time);
        var workflowId = await host.StartAsync(Question);

        var approvalId = await host.WaitForApprovalAsync(workflowId);
        var waiting = await host.StateAsync(workflowId);
        waiting!.Status.ShouldBe(WorkflowStatus.AwaitingApproval);
        waiting.FindStep("retrieve")!.Status.ShouldBe(StepStatus.Completed);
        waiting.FindStep("synthesize")!.Status.ShouldBe(StepStatus.AwaitingApproval);
        waiting.FindStep("cite")!.Status.ShouldBe(StepStatus.Pending);
        waiting.ApprovalSteps!["synthesize"].Reasons.ShouldBe([ApprovalReasons.BeforeAnswer]);

        var request = await host.Approvals.GetAsync(Tenancy.DefaultTenant, approvalId);
        request!.Status.ShouldBe(ApprovalStatus.Pending);
        request.WorkflowId.ShouldBe(workflowId);
        request.StepId.ShouldBe("synthesize");
        request.Action.ShouldContain(Question);
        request.Impact.ShouldContain("'cite'");
        request.SuggestedDecision.ShouldBe(ApprovalDecision.Approve);
        request.Context.GetProperty("query").GetString().ShouldBe(Question);
        request.Context.GetProperty("plan").GetProperty("steps").GetArrayLength().ShouldBe(3);
        request.Context.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("headingPath").GetString()).ShouldContain("/var/lock : Lock files");
        request.ExpiresAt.ShouldBe(request.CreatedAt + TimeSpan.FromHours(24));

        var result = await host.DecideAsync(approvalId, ApprovalDecision.Approve, comment: "fine");
        result.Outcome.ShouldBe(ApprovalDecisionOutcome.Applied);
        result.Record!.Status.ShouldBe(ApprovalStatus.Approved);
        var events = await host.WaitForEndAsync(workflowId);

        var types = events.Select(e => e.Type).Where(t => t != WorkflowEvents.Token).ToList();
        types.ShouldBe(
        [
            WorkflowEvents.Plan,
            WorkflowEvents.StepStarted, WorkflowEvents.StepCompleted, WorkflowEvents.ApprovalRequired,
            WorkflowEvents.ApprovalResolved, WorkflowEvents.StepStarted, WorkflowEvents.StepCompleted,
            WorkflowEvents.StepStarted, WorkflowEvents.StepCompleted,
            WorkflowEvents.Citations, WorkflowEvents.Usage, WorkflowEvents.Done,
        ]);
        ApprovalHost.Data(events.Single(e => e.Type == WorkflowEvents.ApprovalResolved), "decidedBy").ShouldBe("alice");
        ApprovalHost.Data(events.Last(), "answer").ShouldContain("LCK.. followed by the base name of the device");
        var final = await host.StateAsync(workflowId);
        final!.Status.ShouldBe(WorkflowStatus.Completed);
        final.ApprovalSteps!["synthesize"].Decision.ShouldBe(ApprovalDecision.Approve);
    }

    [Fact]
    public async Task BeforeAnswer_Rejected_DependentsSkippedAndTheAnswerSaysWhatWasNotDoneAndWhy()
    {
        await using var host = await ApprovalHost.StartAsync(_data.Path, _time);
        var workflowId = await host.StartAsync(Question);
        var approvalId = await host.WaitForApprovalAsync(workflowId);

        var result = await host.DecideAsync(approvalId, ApprovalDecision.Reject, user: "bob", comment: "Not for this audience.");
        var events = await host.WaitForEndAsync(workflowId);

        result.Outcome.ShouldBe(ApprovalDecisionOutcome.Applied);
        result.Record!.Status.ShouldBe(ApprovalStatus.Rejected);
        events.ShouldNotContain(e => e.Type == WorkflowEvents.Token);
        events.Last().Type.ShouldBe(WorkflowEvents.Done);
        var answer = ApprovalHost.Data(events.Last(), "answer");
        answer.ShouldContain("Not done: Write the answer to “Where do device lock files go?”");
        answer.ShouldContain("bob rejected it: “Not for this audience.”");
        answer.ShouldContain("'cite' (citation)");
        var final = await host.StateAsync(workflowId);
        final!.Status.ShouldBe(WorkflowStatus.Completed);
        final.FindStep("synthesize")!.Status.ShouldBe(StepStatus.Rejected);
        final.FindStep("cite")!.Status.ShouldBe(StepStatus.Skipped);
        final.Answer!.Warnings.ShouldContain(w => w.Contains("bob rejected it", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Decide_Twice_SecondGetsTheExistingDecision()
    {
        await using var host = await ApprovalHost.StartAsync(_data.Path, _time);
        var workflowId = await host.StartAsync(Question);
        var approvalId = await host.WaitForApprovalAsync(workflowId);

        (await host.DecideAsync(approvalId, ApprovalDecision.Reject, user: "bob")).Outcome.ShouldBe(ApprovalDecisionOutcome.Applied);
        var second = await host.DecideAsync(approvalId, ApprovalDecision.Approve, user: "carol");

        second.Outcome.ShouldBe(ApprovalDecisionOutcome.AlreadyDecided);
        second.Record!.Status.ShouldBe(ApprovalStatus.Rejected);
        second.Record.Resolution!.DecidedBy.ShouldBe("bob");
        (await host.DecideAsync("apr_0000000000000000", ApprovalDecision.Approve)).Outcome.ShouldBe(ApprovalDecisionOutcome.NotFound);
        (await host.DecideAsync(approvalId, ApprovalDecision.Approve, tenant: "other")).Outcome.ShouldBe(ApprovalDecisionOutcome.NotFound);
    }

    [Fact]
    public async Task ToolWithSideEffects_GatedAndModifiedInputsAreWhatTheToolReceives()
    {
        var tools = new RecordingTools();
        var plan = new Plan { Steps = [RecordingTools.Step("notify", "send_note", "draft"), RecordingTools.Step("define", "lookup", "lock")], Rationale = "Notify and look up." };
        await using var host = await ApprovalHost.StartAsync(_data.Path, _time, plan: plan, tools: tools);
        var workflowId = await host.StartAsync("Tell the team", ApprovalCheckpoint.None);

        var approvalId = await host.WaitForApprovalAsync(workflowId, "notify");
        await host.WaitForEventAsync(workflowId, e => e.Type == WorkflowEvents.StepCompleted && ApprovalHost.Data(e, "stepId") == "define");
        tools.Calls.ShouldBe([("lookup", "lock")]); // the read-only tool ran without waiting
        var request = (await host.Approvals.GetAsync(Tenancy.DefaultTenant, approvalId))!;
        request.Reasons.ShouldBe([ApprovalReasons.SideEffects]);
        request.Risk.ShouldBe(ApprovalRisk.High);
        request.Action.ShouldBe("Call the tool 'send_note' (notes) with arguments {\"text\":\"draft\"}.");
        request.Context.GetProperty("tool").GetProperty("sideEffects").GetBoolean().ShouldBeTrue();

        var invalid = await host.DecideAsync(approvalId, ApprovalDecision.Modify, inputs: Inputs(new { arguments = "loud", volume = 3 }));
        invalid.Outcome.ShouldBe(ApprovalDecisionOutcome.InvalidInputs);
        invalid.Errors.Keys.Order().ShouldBe(["inputs.arguments", "inputs.volume"]);
        invalid.Errors["inputs.arguments"].Single().ShouldBe("Input 'arguments' must be an object, not a string.");
        invalid.Errors["inputs.volume"].Single().ShouldStartWith("Unknown input 'volume'");

        var modified = await host.DecideAsync(approvalId, ApprovalDecision.Modify, comment: "softer", inputs: Inputs(new { arguments = new { text = "final wording" } }));
        await host.WaitForEndAsync(workflowId);

        modified.Outcome.ShouldBe(ApprovalDecisionOutcome.Applied);
        modified.Record!.Resolution!.Decision.ShouldBe(ApprovalDecision.Modify);
        modified.Record.Resolution.Inputs!.Value.GetProperty("tool").GetString().ShouldBe("send_note");
        tools.Calls.ShouldBe([("lookup", "lock"), ("send_note", "final wording")]);
        (await host.StateAsync(workflowId))!.FindStep("notify")!.Summary.ShouldBe("Called send_note (side effects): sent: final wording");
    }

    [Fact]
    public async Task SequentialApprovals_EachStepWaitsForItsOwnDecision()
    {
        var tools = new RecordingTools();
        var plan = new Plan { Steps = [RecordingTools.Step("first", "send_note", "one"), RecordingTools.Step("second", "send_note", "two", "first")] };
        await using var host = await ApprovalHost.StartAsync(_data.Path, _time, plan: plan, tools: tools);
        var workflowId = await host.StartAsync("Two notes", ApprovalCheckpoint.None);

        var first = await host.WaitForApprovalAsync(workflowId, "first");
        (await host.StateAsync(workflowId))!.FindStep("second")!.Status.ShouldBe(StepStatus.Pending);
        await host.DecideAsync(first, ApprovalDecision.Approve);
        var second = await host.WaitForApprovalAsync(workflowId, "second");
        tools.Calls.ShouldBe([("send_note", "one")]);
        (await host.StateAsync(workflowId))!.Status.ShouldBe(WorkflowStatus.AwaitingApproval);
        await host.DecideAsync(second, ApprovalDecision.Approve);
        await host.WaitForEndAsync(workflowId);

        second.ShouldNotBe(first);
        tools.Calls.ShouldBe([("send_note", "one"), ("send_note", "two")]);
        (await host.StateAsync(workflowId))!.Status.ShouldBe(WorkflowStatus.Completed);
    }

    [Fact]
    public async Task ParallelApprovals_EachBranchWaitsForItsOwnAndARejectedBranchDoesNotStopTheOther()
    {
        var tools = new RecordingTools();
        var plan = new Plan
        {
            Steps =
            [
                RecordingTools.Step("left", "send_note", "left"),
                RecordingTools.Step("right", "send_note", "right"),
                RecordingTools.Step("after-left", "lookup", "after", "left"),
            ],
        };
        await using var host = await ApprovalHost.StartAsync(_data.Path, _time, plan: plan, tools: tools);
        var workflowId = await host.StartAsync("Two branches", ApprovalCheckpoint.None);

        var left = await host.WaitForApprovalAsync(workflowId, "left");
        var right = await host.WaitForApprovalAsync(workflowId, "right");
        (await host.Approvals.ListAsync(Tenancy.DefaultTenant, new ApprovalQuery(ApprovalStatus.Pending, workflowId))).Total.ShouldBe(2);

        await host.DecideAsync(right, ApprovalDecision.Approve);
        await host.WaitForEventAsync(workflowId, e => e.Type == WorkflowEvents.StepCompleted && ApprovalHost.Data(e, "stepId") == "right");
        (await host.StateAsync(workflowId))!.Status.ShouldBe(WorkflowStatus.AwaitingApproval);
        await host.DecideAsync(left, ApprovalDecision.Reject, comment: "no");
        var events = await host.WaitForEndAsync(workflowId);

        tools.Calls.ShouldBe([("send_note", "right")]);
        var final = (await host.StateAsync(workflowId))!;
        final.FindStep("left")!.Status.ShouldBe(StepStatus.Rejected);
        final.FindStep("right")!.Status.ShouldBe(StepStatus.Completed);
        final.FindStep("after-left")!.Status.ShouldBe(StepStatus.Skipped);
        ApprovalHost.Data(events.Last(), "answer").ShouldContain("Not run as a result: 'after-left' (tool).");
    }

    [Fact]
    public async Task FiftyWorkflows_PausedAtOnce_AllResumeOnTheirDecision()
    {
        await using var host = await ApprovalHost.StartAsync(_data.Path, _time);
        var ids = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => host.StartAsync(Question)));
        var approvals = await Task.WhenAll(ids.Select(id => host.WaitForApprovalAsync(id)));

        (await host.Approvals.ListAsync(Tenancy.DefaultTenant, new ApprovalQuery(ApprovalStatus.Pending))).Total.ShouldBe(50);
        foreach (var id in ids)
        {
            (await host.StateAsync(id))!.Status.ShouldBe(WorkflowStatus.AwaitingApproval);
        }

        var decisions = await Task.WhenAll(approvals.Select((a, i) => host.DecideAsync(a, i % 2 == 0 ? ApprovalDecision.Approve : ApprovalDecision.Reject)));
        await Task.WhenAll(ids.Select(id => host.WaitForEndAsync(id)));

        decisions.ShouldAllBe(d => d.Outcome == ApprovalDecisionOutcome.Applied);
        approvals.Distinct().Count().ShouldBe(50);
        for (var i = 0; i < ids.Length; i++)
        {
            var state = (await host.StateAsync(ids[i]))!;
            state.Status.ShouldBe(WorkflowStatus.Completed);
            state.FindStep("synthesize")!.Status.ShouldBe(i % 2 == 0 ? StepStatus.Completed : StepStatus.Rejected);
        }

        (await host.Approvals.ListAsync(Tenancy.DefaultTenant, new ApprovalQuery(ApprovalStatus.Pending))).Total.ShouldBe(0);
        (await host.Approvals.ListAsync(Tenancy.DefaultTenant, new ApprovalQuery(ApprovalStatus.Approved))).Total.ShouldBe(25);
    }
}
