using System.Text.Json;
using AgentRag.Agents;
using AgentRag.Agents.Approvals;
using AgentRag.Agents.Workflows;
using AgentRag.Core;
using AgentRag.Core.Approvals;
using AgentRag.Core.Events;
using AgentRag.Runtime.Dapr.Tests.Sidecar;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;

namespace AgentRag.Runtime.Dapr.Tests;

/// <summary>
/// The workflow scenarios of the embedded and Orleans runtimes, under <c>AgentRag:Runtime=dapr</c> against the sidecar
/// double: every message to the workflow actor, its state, its reminders and its step reports go through the Dapr actor
/// API and back into the app's <c>/actors/…</c> endpoints, one turn at a time. A manual clock drives approval deadlines.
/// </summary>
public sealed class DaprWorkflowScenarioTests : IAsyncLifetime
{
    private const string WorkflowActorType = "WorkflowActor";

    private readonly TempDirectory _data = new("agentrag-dapr-scenarios");
    private readonly ManualTimeProvider _time = new();
    private DaprSidecarDouble _sidecar = null!;

    public async Task InitializeAsync() => _sidecar = await DaprSidecarDouble.StartAsync(_time);

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task Run_AssignmentQuestion_CitedAnswerFromRIntroPage14WithTheActorStateInTheSidecar()
    {
        await using var app = await DaprApp.StartAsync(_data.Path, _sidecar, _time);
        await app.IngestAsync("R-intro.pdf");

        var final = await app.Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("How do I assign a value to a variable in R?"));

        final.Status.ShouldBe(WorkflowStatus.Completed, final.Error);
        final.Answer!.Mode.ShouldBe(AnswerMode.Extractive);
        var cited = final.Answer.Citations.First(c => c.Page == 14);
        (cited.DocumentName, cited.Display).ShouldBe(("R-intro.pdf", "[R-intro.pdf, p. 14]"));
        cited.Quote.ShouldContain("assignment operator (‘<-’)");
        final.Answer.CitationSupportRate.ShouldBe(1.0);

        // Everything went through the sidecar: the app hosts the workflow actor type, the turns were Dapr calls, and the
        // workflow's state is the sidecar's (its state store), not the app's database.
        _sidecar.Entities.ShouldContain(WorkflowActorType);
        var actorId = $"{Tenancy.DefaultTenant}~{final.WorkflowId}";
        var turns = _sidecar.Turns.Where(t => t.Actor == new DaprSidecarDouble.ActorKey(WorkflowActorType, actorId)).ToList();
        turns.Select(t => t.Method).ShouldContain("Ask");
        turns.Select(t => t.Method).ShouldContain("Drain");
        AssertNoOverlap(turns);
        _sidecar.ActorState(WorkflowActorType, actorId, "workflow").ShouldNotBeNull().ShouldContain(final.WorkflowId);

        // Its end went out as an integration event on the topic (published through the sidecar's gRPC API).
        await WaitUntilAsync(() => _sidecar.Grpc.Published.Any(p => p.Data.ToStringUtf8().Contains(final.WorkflowId, StringComparison.Ordinal)));
        var published = _sidecar.Grpc.Published.Single(p => p.Data.ToStringUtf8().Contains(final.WorkflowId, StringComparison.Ordinal));
        (published.PubsubName, published.Topic).ShouldBe(("agentrag-pubsub", "agentrag-events"));
        var integration = JsonDocument.Parse(published.Data.ToStringUtf8()).RootElement;
        integration.GetProperty("type").GetString().ShouldBe("workflow.completed");
        integration.GetProperty("subject").GetString().ShouldBe(final.WorkflowId);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    [Fact]
    public async Task Run_ComparisonQuery_ParallelPlanBothRetrievalsInFlightAtOnce()
    {
        await using var model = await OpenAiTestServer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = model.BaseUrl.ToString(),
            ["AGENTRAG_EMBEDDING_MODEL"] = "embed-test",
            ["AgentRag:Models:Resilience:MaxRetries"] = "0",
            ["AgentRag:Agents:RetrievalTimeoutMs"] = "30000",
        };
        await using var app = await DaprApp.StartAsync(_data.Path, _sidecar, _time, settings);
        await app.IngestAsync("nodejs-process.md");
        var ingestionEmbeddings = model.Count("embeddings");
        ingestionEmbeddings.ShouldBeGreaterThan(0);
        // The two query embeddings are each held until both wait at the server: only steps running at once get through.
        var together = new RequestBarrier(participants: 2, timeout: TimeSpan.FromSeconds(10));
        model.Embeddings.Enqueue(2, () => ScriptedResponse.HeldUntil(together, ScriptedResponse.Reply()));

        var final = await app.Workflows.RunAsync(Tenancy.DefaultTenant,
            new QueryRequest("What is the difference between the beforeExit and exit events in Node.js?"));

        together.IsOpen.ShouldBeTrue("the two query embeddings were never in flight together: the retrieval steps ran one after the other");
        final.Status.ShouldBe(WorkflowStatus.Completed, final.Error);
        var retrievals = final.Plan!.Steps.Where(s => s.Agent == AgentNames.Retrieval).ToList();
        retrievals.Count.ShouldBe(2);
        retrievals.ShouldAllBe(s => s.DependsOn.Count == 0);
        final.Steps.Where(s => s.Agent == AgentNames.Retrieval).ShouldAllBe(s => s.Status == StepStatus.Completed && s.Attempts == 1);
        var held = model.Requests.Where(r => r.Route == "embeddings").Skip(ingestionEmbeddings).Take(2);
        held.Select(r => r.Json!["input"]!.AsArray().Single()!.GetValue<string>())
            .ShouldBe(retrievals.Select(s => s.Inputs["query"].GetString()), ignoreOrder: true);
    }

    [Fact]
    public async Task Approval_PausedThenApproved_ResumesAndCompletesAndAnUndecidedOneTimesOutOnTheSidecarsReminder()
    {
        var settings = new Dictionary<string, string?>
        {
            ["AgentRag:Approvals:DefaultTimeout"] = "01:00:00",
            ["AgentRag:Approvals:TimeoutPolicy"] = "Reject",
        };
        await using var app = await DaprApp.StartAsync(_data.Path, _sidecar, _time, settings);
        await app.IngestAsync("nodejs-process.md");
        var decided = await StartPausedAsync(app);
        var undecided = await StartPausedAsync(app);

        var waiting = await app.Workflows.GetAsync(Tenancy.DefaultTenant, decided.WorkflowId);
        waiting!.Status.ShouldBe(WorkflowStatus.AwaitingApproval);
        waiting.FindStep("synthesize")!.Status.ShouldBe(StepStatus.AwaitingApproval);
        // The deadline is a Dapr reminder in the sidecar.
        _sidecar.RemindersOf(WorkflowActorType, $"{Tenancy.DefaultTenant}~{undecided.WorkflowId}").ShouldNotBeEmpty();

        var result = await app.Approvals.DecideAsync(Tenancy.DefaultTenant, decided.ApprovalId, new ApprovalDecisionRequest(ApprovalDecision.Approve, "alice", "fine"));
        result.Outcome.ShouldBe(ApprovalDecisionOutcome.Applied);
        var events = await app.WaitForEndAsync(decided.WorkflowId);
        events[^1].Type.ShouldBe(WorkflowEvents.Done);
        Data(events.Single(e => e.Type == WorkflowEvents.ApprovalResolved), "decidedBy").ShouldBe("alice");

        // Nobody decides the other one: an hour later its deadline reminder fires from the sidecar and it expires.
        _time.Advance(TimeSpan.FromMinutes(61));
        var expired = await app.WaitForEndAsync(undecided.WorkflowId);
        Data(expired.Single(e => e.Type == WorkflowEvents.ApprovalResolved), "status").ShouldBe("expired");
        (await app.Approvals.GetAsync(Tenancy.DefaultTenant, undecided.ApprovalId))!.Status.ShouldBe(ApprovalStatus.Expired);
    }

    [Fact]
    public async Task Restart_AppTornDownWhileAWorkflowAwaitsApproval_TheRebuiltAppResumesItFromTheSidecarsState()
    {
        (string WorkflowId, string ApprovalId) paused;
        long lastSequence;
        await using (var first = await DaprApp.StartAsync(_data.Path, _sidecar, _time))
        {
            await first.IngestAsync("nodejs-process.md");
            paused = await StartPausedAsync(first);
            lastSequence = (await first.EventLog.ReadAsync(Tenancy.DefaultTenant, WorkflowEvents.StreamId(paused.WorkflowId), 0, 100_000))[^1].Sequence;
        }

        // The process is gone; the workflow's state and reminders stay in the sidecar.
        _sidecar.ActorState(WorkflowActorType, $"{Tenancy.DefaultTenant}~{paused.WorkflowId}", "workflow").ShouldNotBeNull();
        await using var second = await DaprApp.StartAsync(_data.Path, _sidecar, _time);

        var state = await second.Workflows.GetAsync(Tenancy.DefaultTenant, paused.WorkflowId);
        state!.Status.ShouldBe(WorkflowStatus.AwaitingApproval);
        var result = await second.Approvals.DecideAsync(Tenancy.DefaultTenant, paused.ApprovalId, new ApprovalDecisionRequest(ApprovalDecision.Approve, "bob"));
        result.Outcome.ShouldBe(ApprovalDecisionOutcome.Applied);
        var events = await second.WaitForEndAsync(paused.WorkflowId);

        events[^1].Type.ShouldBe(WorkflowEvents.Done);
        // One gapless stream across the restart; the retrieval that completed before it never ran again.
        events.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, events.Count).Select(i => (long)i));
        events.Where(e => e.Sequence <= lastSequence && e.Type == WorkflowEvents.StepCompleted).Select(e => Data(e, "stepId")).ShouldContain("retrieve");
        events.Where(e => e.Sequence > lastSequence && e.Type == WorkflowEvents.StepStarted).Select(e => Data(e, "stepId")).ShouldNotContain("retrieve");
        var final = await second.Workflows.GetAsync(Tenancy.DefaultTenant, paused.WorkflowId);
        final!.Status.ShouldBe(WorkflowStatus.Completed);
        final.FindStep("retrieve")!.Attempts.ShouldBe(1);
    }

    private static async Task<(string WorkflowId, string ApprovalId)> StartPausedAsync(DaprApp app)
    {
        var id = WorkflowService.NewWorkflowId();
        await app.Workflows.StartAsync(Tenancy.DefaultTenant, new QueryRequest("When is the beforeExit event emitted in Node.js?") { Approval = ApprovalCheckpoint.BeforeAnswer }, id);
        var required = await app.WaitForEventAsync(id, e => e.Type == WorkflowEvents.ApprovalRequired);
        return (id, Data(required, "approvalId"));
    }

    private static void AssertNoOverlap(IReadOnlyList<DaprSidecarDouble.Turn> turns)
    {
        var ordered = turns.OrderBy(t => t.Started).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            ordered[i].Started.ShouldBeGreaterThan(ordered[i - 1].Ended, $"turn {ordered[i].Method} started before {ordered[i - 1].Method} ended");
        }
    }

    private static string Data(StoredEvent stored, string property) =>
        JsonDocument.Parse(stored.Data).RootElement.TryGetProperty(property, out var value) ? value.ToString() : "";
}
