using AgentRag.Agents.Approvals;
using AgentRag.Agents.Workflows;
using AgentRag.Core;
using AgentRag.Core.Approvals;
using AgentRag.TestKit;


namespace AgentRag.Agents.Tests.Approvals;

/// <summary>Approval timeouts on a manual clock: expiring, auto-reject, escalation, races with decisions, and restarts.</summary>
public sealed class ApprovalTimeoutTests : IDisposable
{
    private const string Question = "Where do device lock files go?";

    private readonly TempDirectory _data = new("agentrag-approval-timeouts");
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _data.Dispose();

    private static Dictionary<string, string?> Settings(string policy = "Reject", string timeout = "01:00:00") => new()
    {
        ["AgentRag:Approvals:DefaultTimeout"] = timeout,
        ["AgentRag:Approvals:TimeoutPolicy"] = policy,
        ["AgentRag:Approvals:EscalationInterval"] = "00:30:00",
        ["AgentRag:Approvals:MaxEscalations"] = "2",
    };

    [Fact]
    public async Task Timeout_AutoReject_ExpiringAt80PercentThenExpiredAndLaterDecisionsAreGone()
    {
        await using var host = await ApprovalHost.StartAsync(_data.Path, _time, settings: Settings());
        var workflowId = await host.StartAsync(Question);
        var approvalId = await host.WaitForApprovalAsync(workflowId);

        _time.Advance(TimeSpan.FromMinutes(47));
        (await host.EventLog.ReadAsync(Tenancy.DefaultTenant, WorkflowEvents.StreamId(workflowId), 0)).ShouldNotContain(e => e.Type == WorkflowEvents.ApprovalExpiring);
        _time.Advance(TimeSpan.FromMinutes(1));
        var expiring = await host.WaitForEventAsync(workflowId, e => e.Type == WorkflowEvents.ApprovalExpiring);
        ApprovalHost.Data(expiring, "approvalId").ShouldBe(approvalId);
        (await host.Approvals.GetAsync(Tenancy.DefaultTenant, approvalId))!.Status.ShouldBe(ApprovalStatus.Pending);

        _time.Advance(TimeSpan.FromMinutes(12));
        var events = await host.WaitForEndAsync(workflowId);

        var resolved = events.Single(e => e.Type == WorkflowEvents.ApprovalResolved);
        ApprovalHost.Data(resolved, "status").ShouldBe("expired");
        ApprovalHost.Data(resolved, "decidedBy").ShouldBe("system");
        ApprovalHost.Data(events.Last(), "answer").ShouldContain("nobody approved it in time");
        var record = (await host.Approvals.GetAsync(Tenancy.DefaultTenant, approvalId))!;
        record.Status.ShouldBe(ApprovalStatus.Expired);
        record.Resolution!.Decision.ShouldBe(ApprovalDecision.Expire);
        var late = await host.DecideAsync(approvalId, ApprovalDecision.Approve);
        late.Outcome.ShouldBe(ApprovalDecisionOutcome.Expired);
        late.Record!.Status.ShouldBe(ApprovalStatus.Expired);
        var history = (await host.Approvals.GetHistoryAsync(Tenancy.DefaultTenant, approvalId))!;
        history.Select(h => h.Action).ShouldBe([ApprovalAuditAction.Requested, ApprovalAuditAction.Expiring, ApprovalAuditAction.Expired]);
        history.Select(h => h.Sequence).ShouldBe([1, 2, 3]);
        history.ShouldAllBe(h => h.Actor == "system");
    }

    [Fact]
    public async Task Timeout_Escalate_NotifiedAgainStillDecidableUntilEscalationsRunOut()
    {
        await using var host = await ApprovalHost.StartAsync(_data.Path, _time, settings: Settings("Escalate"));
        var first = await host.StartAsync(Question);
        var second = await host.StartAsync(Question);
        var firstApproval = await host.WaitForApprovalAsync(first);
        var secondApproval = await host.WaitForApprovalAsync(second);

        _time.Advance(TimeSpan.FromMinutes(48));
        await host.WaitForEventAsync(first, e => e.Type == WorkflowEvents.ApprovalExpiring);
        await host.WaitForEventAsync(second, e => e.Type == WorkflowEvents.ApprovalExpiring);
        _time.Advance(TimeSpan.FromMinutes(12));
        var escalated = await host.WaitForEventAsync(first, e => e.Type == WorkflowEvents.ApprovalEscalated);
        await host.WaitForEventAsync(second, e => e.Type == WorkflowEvents.ApprovalEscalated);

        ApprovalHost.Data(escalated, "escalations").ShouldBe("1");
        var record = (await host.Approvals.GetAsync(Tenancy.DefaultTenant, firstApproval))!;
        record.Status.ShouldBe(ApprovalStatus.Escalated);
        record.ExpiresAt.ShouldBe(record.EscalatedAt!.Value + TimeSpan.FromMinutes(30));
        // The tenant inbox gets its copy after the workflow's commit (its own events first): wait for both copies.
        foreach (var approval in new[] { firstApproval, secondApproval })
        {
            await host.WaitForStreamEventAsync(ApprovalEvents.TenantStreamId, e => e.Type == ApprovalEvents.Escalated && ApprovalHost.Data(e, "approvalId") == approval);
        }

        var inbox = await host.EventLog.ReadAsync(Tenancy.DefaultTenant, ApprovalEvents.TenantStreamId, 0);
        inbox.Count(e => e.Type == ApprovalEvents.Escalated).ShouldBe(2);
        (await host.Approvals.ListAsync(Tenancy.DefaultTenant, new ApprovalQuery(ApprovalStatus.Escalated))).Total.ShouldBe(2);

        // Still decidable while escalated.
        var approved = await host.DecideAsync(firstApproval, ApprovalDecision.Approve, user: "manager");
        approved.Outcome.ShouldBe(ApprovalDecisionOutcome.Applied);
        (await host.WaitForEndAsync(first)).Last().Type.ShouldBe(WorkflowEvents.Done);

        // The other escalates once more, then expires.
        _time.Advance(TimeSpan.FromMinutes(30));
        await host.WaitForEventAsync(second, e => e.Type == WorkflowEvents.ApprovalEscalated && ApprovalHost.Data(e, "escalations") == "2");
        _time.Advance(TimeSpan.FromMinutes(30));
        await host.WaitForEndAsync(second);
        (await host.Approvals.GetAsync(Tenancy.DefaultTenant, secondApproval))!.Status.ShouldBe(ApprovalStatus.Expired);
        (await host.Approvals.GetHistoryAsync(Tenancy.DefaultTenant, secondApproval))!.Select(h => h.Action).ShouldBe(
            [ApprovalAuditAction.Requested, ApprovalAuditAction.Expiring, ApprovalAuditAction.Escalated, ApprovalAuditAction.Escalated, ApprovalAuditAction.Expired]);
        (await host.Approvals.GetHistoryAsync(Tenancy.DefaultTenant, firstApproval))!.Last().Actor.ShouldBe("manager");
    }

    [Fact]
    public async Task DecisionRacingTimeout_ExactlyOneWins()
    {
        await using var host = await ApprovalHost.StartAsync(_data.Path, _time, settings: Settings(timeout: "00:01:00"));
        var ids = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => host.StartAsync(Question)));
        var approvals = await Task.WhenAll(ids.Select(id => host.WaitForApprovalAsync(id)));

        var decisions = approvals.Select(a => Task.Run(() => host.DecideAsync(a, ApprovalDecision.Approve))).ToList();
        var timeout = Task.Run(() => _time.Advance(TimeSpan.FromMinutes(1)));
        await timeout;
        var outcomes = await Task.WhenAll(decisions);
        await Task.WhenAll(ids.Select(id => host.WaitForEndAsync(id)));

        for (var i = 0; i < ids.Length; i++)
        {
            var record = (await host.Approvals.GetAsync(Tenancy.DefaultTenant, approvals[i]))!;
            var history = (await host.Approvals.GetHistoryAsync(Tenancy.DefaultTenant, approvals[i]))!;
            var decisive = history.Where(h => h.Action is ApprovalAuditAction.Approved or ApprovalAuditAction.Expired).ToList();
            decisive.Count.ShouldBe(1, $"workflow {ids[i]}: {string.Join(", ", history.Select(h => h.Action))}");
            var events = await host.EventLog.ReadAsync(Tenancy.DefaultTenant, WorkflowEvents.StreamId(ids[i]), 0, 100_000);
            events.Count(e => e.Type == WorkflowEvents.ApprovalResolved).ShouldBe(1);
            var synthesis = (await host.StateAsync(ids[i]))!.FindStep("synthesize")!;
            if (outcomes[i].Outcome == ApprovalDecisionOutcome.Applied)
            {
                record.Status.ShouldBe(ApprovalStatus.Approved);
                decisive[0].Action.ShouldBe(ApprovalAuditAction.Approved);
                synthesis.Status.ShouldBe(StepStatus.Completed);
            }
            else
            {
                outcomes[i].Outcome.ShouldBe(ApprovalDecisionOutcome.Expired);
                record.Status.ShouldBe(ApprovalStatus.Expired);
                decisive[0].Action.ShouldBe(ApprovalAuditAction.Expired);
                synthesis.Status.ShouldBe(StepStatus.Rejected);
            }
        }
    }

    [Fact]
    public async Task Restart_WhileAwaitingApproval_DecisionAfterRestartResumesTheWorkflow()
    {
        string workflowId, approvalId;
        await using (var first = await ApprovalHost.StartAsync(_data.Path, _time, settings: Settings()))
        {
            workflowId = await first.StartAsync(Question);
            approvalId = await first.WaitForApprovalAsync(workflowId);
        }

        await using var second = await ApprovalHost.StartAsync(_data.Path, _time, settings: Settings());
        (await second.StateAsync(workflowId))!.Status.ShouldBe(WorkflowStatus.AwaitingApproval);
        (await second.Approvals.ListAsync(Tenancy.DefaultTenant, new ApprovalQuery(ApprovalStatus.Pending))).Items.Single().Id.ShouldBe(approvalId);

        var result = await second.DecideAsync(approvalId, ApprovalDecision.Approve);
        var events = await second.WaitForEndAsync(workflowId);

        result.Outcome.ShouldBe(ApprovalDecisionOutcome.Applied);
        events.Count(e => e.Type == WorkflowEvents.ApprovalRequired).ShouldBe(1);
        var afterDecision = events.SkipWhile(e => e.Type != WorkflowEvents.ApprovalResolved).Select(e => e.Type).Where(t => t != WorkflowEvents.Token).ToList();
        afterDecision.ShouldBe(
        [
            WorkflowEvents.ApprovalResolved, WorkflowEvents.StepStarted, WorkflowEvents.StepCompleted, WorkflowEvents.StepStarted, WorkflowEvents.StepCompleted,
            WorkflowEvents.Citations, WorkflowEvents.Usage, WorkflowEvents.Done,
        ]);
        events.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, events.Count).Select(i => (long)i));
        (await second.StateAsync(workflowId))!.FindStep("retrieve")!.Attempts.ShouldBe(1);
    }

    [Fact]
    public async Task Restart_WhileAwaitingApproval_TimeoutReminderStillFires()
    {
        string workflowId, approvalId;
        await using (var first = await ApprovalHost.StartAsync(_data.Path, _time, settings: Settings()))
        {
            workflowId = await first.StartAsync(Question);
            approvalId = await first.WaitForApprovalAsync(workflowId);
        }

        await using var second = await ApprovalHost.StartAsync(_data.Path, _time, settings: Settings());
        _time.Advance(TimeSpan.FromMinutes(48));
        await second.WaitForEventAsync(workflowId, e => e.Type == WorkflowEvents.ApprovalExpiring);
        _time.Advance(TimeSpan.FromMinutes(12));
        var events = await second.WaitForEndAsync(workflowId);

        ApprovalHost.Data(events.Single(e => e.Type == WorkflowEvents.ApprovalResolved), "status").ShouldBe("expired");
        events.Count(e => e.Type == WorkflowEvents.ApprovalExpiring).ShouldBe(1);
        (await second.Approvals.GetAsync(Tenancy.DefaultTenant, approvalId))!.Status.ShouldBe(ApprovalStatus.Expired);
    }

    [Fact]
    public async Task Cancel_WhileAwaitingApproval_ClosesTheRequest()
    {
        await using var host = await ApprovalHost.StartAsync(_data.Path, _time, settings: Settings());
        var workflowId = await host.StartAsync(Question);
        var approvalId = await host.WaitForApprovalAsync(workflowId);

        (await host.Workflows.CancelAsync(Tenancy.DefaultTenant, workflowId)).ShouldBe(true);

        var record = (await host.Approvals.GetAsync(Tenancy.DefaultTenant, approvalId))!;
        record.Status.ShouldBe(ApprovalStatus.Rejected);
        record.Resolution!.DecidedBy.ShouldBe("system");
        record.Resolution.Comment.ShouldBe("The workflow was cancelled: Cancelled by the client.");
        (await host.DecideAsync(approvalId, ApprovalDecision.Approve)).Outcome.ShouldBe(ApprovalDecisionOutcome.AlreadyDecided);
        (await host.StateAsync(workflowId))!.FindStep("synthesize")!.Status.ShouldBe(StepStatus.Cancelled);
    }
}
