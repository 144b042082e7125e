using System.Text.Json;
using AgentRag.Agents.Tests.Support;
using AgentRag.Agents.Workflows;
using AgentRag.Core;
using AgentRag.Core.Events;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;


namespace AgentRag.Agents.Tests.Workflows;

public sealed class WorkflowTests : IDisposable
{
    private static readonly IReadOnlyList<Retrieval.RetrievedPassage> Passages =
    [
        ScriptedRetriever.Passage("tmp", "The /tmp directory holds temporary files. Programs must not assume that files in /tmp are preserved between invocations of the program.", "/tmp : Temporary files", "fhs.md"),
        ScriptedRetriever.Passage("vartmp", "The /var/tmp directory holds temporary files that are preserved between system reboots. Files in /var/tmp are kept longer than files in /tmp.", "/var/tmp : Temporary files preserved between reboots", "fhs.md"),
        ScriptedRetriever.Passage("lock", "Lock files go in /var/lock. The name of a device lock file is LCK.. followed by the base name of the device.", "/var/lock : Lock files", "fhs.md"),
    ];

    private readonly TempDirectory _data = new("agentrag-workflows");
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _data.Dispose();

    private static string Data(StoredEvent stored, string property) => JsonDocument.Parse(stored.Data).RootElement.GetProperty(property).ToString();

    [Fact]
    public async Task Run_KnowledgeQuery_EventsInOrderWithGaplessSequence()
    {
        await using var host = await WorkflowHost.StartAsync(_data.Path, new ScriptedRetriever(Passages), _time);

        var final = await host.Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("Where do device lock files go?"));
        var events = await host.WaitForEndAsync(final.WorkflowId);

        events.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, events.Count).Select(i => (long)i));
        var types = events.Select(e => e.Type).Where(t => t != WorkflowEvents.Token).ToList();
        types.ShouldBe(
        [
            WorkflowEvents.Plan,
            WorkflowEvents.StepStarted, WorkflowEvents.StepCompleted, // retrieve
            WorkflowEvents.StepStarted, WorkflowEvents.StepCompleted, // synthesize (tokens in between)
            WorkflowEvents.StepStarted, WorkflowEvents.StepCompleted, // cite
            WorkflowEvents.Citations, WorkflowEvents.Usage, WorkflowEvents.Done,
        ]);
        var tokens = events.Where(e => e.Type == WorkflowEvents.Token).ToList();
        tokens.ShouldNotBeEmpty();
        tokens.ShouldAllBe(t => Data(t, "stepId") == "synthesize" && Data(t, "agent") == AgentNames.Synthesis);
        var synthesisStart = events.First(e => e.Type == WorkflowEvents.StepStarted && Data(e, "stepId") == "synthesize").Sequence;
        var synthesisEnd = events.First(e => e.Type == WorkflowEvents.StepCompleted && Data(e, "stepId") == "synthesize").Sequence;
        tokens.ShouldAllBe(t => t.Sequence > synthesisStart && t.Sequence < synthesisEnd);
        string.Concat(tokens.Select(t => Data(t, "text"))).ShouldBe(Data(events.Single(e => e.Type == WorkflowEvents.Done), "answer"));
        Data(events[^1], "mode").ShouldBe("extractive");
        final.Answer!.Answer.ShouldContain("LCK.. followed by the base name of the device. [1]");
    }

    [Fact]
    public async Task Run_OptionalFollowUpFails_CompletesWithVisibleWarning()
    {
        var retriever = new ScriptedRetriever(Passages) { FailWhen = q => q.Split(' ').Length > 15 };
        await using var host = await WorkflowHost.StartAsync(_data.Path, retriever, _time);

        var final = await host.Workflows.RunAsync(Tenancy.DefaultTenant,
            new QueryRequest("Where do lock files go, and what is the name of a device lock file?"));
        var events = await host.WaitForEndAsync(final.WorkflowId);

        final.Status.ShouldBe(WorkflowStatus.Completed);
        final.FindStep("follow-up")!.Status.ShouldBe(StepStatus.Failed);
        final.FindStep("follow-up")!.Error!.ShouldContain("The index is unavailable");
        final.Answer!.Warnings.ShouldContain(w => w.StartsWith("Optional step 'follow-up' (follow_up_retrieval) failed: The index is unavailable", StringComparison.Ordinal));
        final.Answer.Answer.ShouldContain("LCK..");
        var failed = events.Single(e => e.Type == WorkflowEvents.StepFailed);
        (Data(failed, "stepId"), Data(failed, "action")).ShouldBe(("follow-up", "continue"));
    }

    [Fact]
    public async Task Run_RequiredRetrievalFails_WorkflowFailsWithTheReason()
    {
        var retriever = new ScriptedRetriever(Passages) { FailWhen = _ => true };
        await using var host = await WorkflowHost.StartAsync(_data.Path, retriever, _time);

        var final = await host.Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("Where do lock files go?"));
        var events = await host.WaitForEndAsync(final.WorkflowId);

        final.Status.ShouldBe(WorkflowStatus.Failed);
        final.Error.ShouldBe("Step 'retrieve' (retrieval) failed: The index is unavailable for 'Where do lock files go?'.");
        final.FindStep("synthesize")!.Status.ShouldBe(StepStatus.Cancelled);
        events[^1].Type.ShouldBe(WorkflowEvents.Error);
        (Data(events[^1], "code"), Data(events[^1], "stepId")).ShouldBe(("step_failed", "retrieve"));
    }

    [Fact]
    public async Task Run_ModelSynthesisFails_FallsBackToExtractiveWithWarning()
    {
        await using var model = await OpenAiTestServer.StartAsync();
        model.Chat.Enqueue(ScriptedResponse.Reply("not a plan")); // the planner's call
        model.Chat.Enqueue(ScriptedResponse.AbortMidStream("Lock files go in the lock directory.", chunksBeforeAbort: 3)); // synthesis
        await using var host = await WorkflowHost.StartAsync(_data.Path, new ScriptedRetriever(Passages), _time, model);

        var final = await host.Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("Where do lock files go?"));
        var events = await host.WaitForEndAsync(final.WorkflowId);

        final.Status.ShouldBe(WorkflowStatus.Completed);
        final.Answer!.Mode.ShouldBe(AnswerMode.Extractive);
        final.Answer.Warnings.ShouldContain(w => w.StartsWith("The chat model failed (", StringComparison.Ordinal) && w.EndsWith("; the answer is extractive.", StringComparison.Ordinal));
        final.Answer.Warnings.ShouldContain(w => w.StartsWith("The model's plan was not valid JSON", StringComparison.Ordinal));
        final.Answer.Citations.ShouldNotBeEmpty();
        // Whatever the model streamed before the connection broke is voided; the extractive answer follows.
        var reset = events.Single(e => e.Type == WorkflowEvents.TokenReset);
        (Data(reset, "stepId"), Data(reset, "attempt"), Data(reset, "cause")).ShouldBe(("synthesize", "1", "restart"));
        string.Concat(events.Where(e => e.Type == WorkflowEvents.Token && e.Sequence > reset.Sequence).Select(e => Data(e, "text")))
            .ShouldBe(Data(events.Single(e => e.Type == WorkflowEvents.Done), "answer"));
        model.Count("chat").ShouldBe(2); // the step did not retry the model call
    }

    [Fact]
    public async Task Run_SynthesisTimesOutAfterStreaming_FallbackRunStartsWithTokenReset()
    {
        await using var model = await OpenAiTestServer.StartAsync();
        model.Chat.Enqueue(ScriptedResponse.Reply("not a plan")); // the planner's call
        var synthesis = model.Chat.Enqueue(ScriptedResponse.PausedAfter(2, ScriptedResponse.Reply("Lock files go in /var/lock [1].")));
        await using var host = await WorkflowHost.StartAsync(_data.Path, new ScriptedRetriever(Passages), _time, model);
        var firstToken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var run = host.Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("Where do lock files go?"), e =>
        {
            if (e.Type == WorkflowEvents.Token)
            {
                firstToken.TrySetResult();
            }
        });
        await synthesis.Paused.WaitAsync(TimeSpan.FromSeconds(30));
        await firstToken.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the model's first words are on the stream
        _time.Advance(TimeSpan.FromMilliseconds(new AgentsOptions().SynthesisTimeoutMs + 1));
        var final = await run.WaitAsync(TimeSpan.FromSeconds(30));
        var events = await host.WaitForEndAsync(final.WorkflowId);

        final.Status.ShouldBe(WorkflowStatus.Completed, final.Error);
        final.FindStep("synthesize")!.Attempts.ShouldBe(2);
        var reset = events.Single(e => e.Type == WorkflowEvents.TokenReset);
        (Data(reset, "stepId"), Data(reset, "attempt"), Data(reset, "cause")).ShouldBe(("synthesize", "2", "restart"));
        events.Where(e => e.Type == WorkflowEvents.Token && e.Sequence < reset.Sequence).ShouldAllBe(e => Data(e, "attempt") == "1");
        string.Concat(events.Where(e => e.Type == WorkflowEvents.Token && e.Sequence > reset.Sequence).Select(e => Data(e, "text")))
            .ShouldBe(Data(events.Single(e => e.Type == WorkflowEvents.Done), "answer"));
    }

    [Fact]
    public async Task Run_EmbeddingModelFailsAtTheOptionalCitationStep_AnswerKeptWithTheWarning()
    {
        await using var model = await OpenAiTestServer.StartAsync();
        model.Chat.Enqueue(ScriptedResponse.Reply("not a plan")); // the planner's call
        // Synthesis: a sentence its source does not support in words, so the citation check asks the embedding model
        // whether it is a paraphrase.
        model.Chat.Enqueue(ScriptedResponse.Reply("Those markers belong in a shared folder [1]."));
        model.Embeddings.Enqueue(ScriptedResponse.Error(500, "embedding backend down")); // the citation check's similarity
        await using var host = await WorkflowHost.StartAsync(_data.Path, new ScriptedRetriever(Passages), _time, model,
            settings: new Dictionary<string, string?> { ["AGENTRAG_EMBEDDING_MODEL"] = "embed-test" });

        var final = await host.Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("Where do lock files go?"));
        var events = await host.WaitForEndAsync(final.WorkflowId);

        final.Status.ShouldBe(WorkflowStatus.Completed);
        model.Count("embeddings").ShouldBe(1);
        final.FindStep("cite")!.Status.ShouldBe(StepStatus.Failed);
        final.Answer!.Mode.ShouldBe(AnswerMode.Model);
        final.Answer.Answer.ShouldBe("Those markers belong in a shared folder [1].");
        final.Answer.Warnings.ShouldContain(w => w.StartsWith("Optional step 'cite' (citation) failed:", StringComparison.Ordinal));
        final.Answer.Warnings.ShouldContain("The answer's citations were not verified.");
        var failed = events.Single(e => e.Type == WorkflowEvents.StepFailed);
        (Data(failed, "stepId"), Data(failed, "action")).ShouldBe(("cite", "continue"));
    }

    [Fact]
    public async Task Run_ModelSynthesisTimesOut_FallbackRunsExtractive()
    {
        await using var model = await OpenAiTestServer.StartAsync();
        var held = model.Chat.Enqueue(ScriptedResponse.Held(ScriptedResponse.Reply("too late")));
        await using var host = await WorkflowHost.StartAsync(_data.Path, new ScriptedRetriever(Passages), _time, model,
            o => { o.UseModelPlanner = false; o.SynthesisTimeoutMs = 60_000; });

        var running = host.Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("Where do lock files go?"));
        await held.Received.WaitAsync(TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(61));
        var final = await running.WaitAsync(TimeSpan.FromSeconds(30));

        final.Status.ShouldBe(WorkflowStatus.Completed);
        var synthesis = final.FindStep("synthesize")!;
        (synthesis.Attempts, synthesis.Fallback).ShouldBe((2, true));
        final.Answer!.Mode.ShouldBe(AnswerMode.Extractive);
        final.Answer.Warnings.ShouldContain("The answer is extractive because synthesis failed or timed out.");
        var failed = (await host.WaitForEndAsync(final.WorkflowId)).Single(e => e.Type == WorkflowEvents.StepFailed);
        (Data(failed, "timedOut"), Data(failed, "action"), Data(failed, "error")).ShouldBe(("True", "fallback", "timed out after 60000 ms"));
    }

    [Fact]
    public async Task Cancel_RunningWorkflow_EndsWithCancelledError()
    {
        var retriever = new ScriptedRetriever(Passages) { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var host = await WorkflowHost.StartAsync(_data.Path, retriever, _time);
        var started = await host.Workflows.StartAsync(Tenancy.DefaultTenant, new QueryRequest("Where do lock files go?"));
        await retriever.FirstCall.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var cancelled = await host.Workflows.CancelAsync(Tenancy.DefaultTenant, started.WorkflowId, "The user closed the page.");
        var events = await host.WaitForEndAsync(started.WorkflowId);
        var state = await host.Workflows.GetAsync(Tenancy.DefaultTenant, started.WorkflowId);

        cancelled.ShouldBe(true);
        state!.Status.ShouldBe(WorkflowStatus.Cancelled);
        state.Steps.ShouldAllBe(s => s.Status == StepStatus.Cancelled);
        (Data(events[^1], "code"), Data(events[^1], "message")).ShouldBe(("cancelled", "The user closed the page."));
        (await host.Workflows.CancelAsync(Tenancy.DefaultTenant, started.WorkflowId)).ShouldBe(false);
        (await host.Workflows.CancelAsync("other", started.WorkflowId)).ShouldBeNull();
        (await host.Workflows.GetAsync("other", started.WorkflowId)).ShouldBeNull();
    }

    [Fact]
    public async Task Restart_SynthesisInFlight_ResumesWithoutRerunningCompletedSteps()
    {
        await using var model = await OpenAiTestServer.StartAsync();
        var held = model.Chat.Enqueue(ScriptedResponse.Held(ScriptedResponse.Reply("never sent")));
        model.Chat.Enqueue(ScriptedResponse.Reply("Lock files go in /var/lock [1]."));
        var retriever = new ScriptedRetriever(Passages);
        string workflowId;
        await using (var first = await WorkflowHost.StartAsync(_data.Path, retriever, _time, model, o => o.UseModelPlanner = false))
        {
            workflowId = WorkflowService.NewWorkflowId();
            await first.Workflows.StartAsync(Tenancy.DefaultTenant, new QueryRequest("Where do lock files go?"), workflowId);
            await held.Received.WaitAsync(TimeSpan.FromSeconds(30));

            // "Crash": the process stops while synthesis waits on the model.
        }

        retriever.Queries.Count.ShouldBe(1);
        await using var second = await WorkflowHost.StartAsync(_data.Path, retriever, _time, model, o => o.UseModelPlanner = false);
        var events = await second.WaitForEndAsync(workflowId);
        var state = await second.Workflows.GetAsync(Tenancy.DefaultTenant, workflowId);

        state!.Status.ShouldBe(WorkflowStatus.Completed);
        retriever.Queries.Count.ShouldBe(1); // the completed retrieval did not run again
        state.FindStep("retrieve")!.Attempts.ShouldBe(1);
        state.FindStep("retrieve")!.IdempotencyKey.ShouldBe($"{workflowId}:retrieve:1");
        state.FindStep("synthesize")!.Attempts.ShouldBe(2); // in flight at the crash: ran again
        state.Answer!.Answer.ShouldBe("Lock files go in /var/lock [1].");
        state.Answer.Mode.ShouldBe(AnswerMode.Model);
        var resumed = events.Last(e => e.Type == WorkflowEvents.StepStarted && Data(e, "stepId") == "synthesize");
        (Data(resumed, "attempt"), Data(resumed, "resumed")).ShouldBe(("2", "True"));
        events.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, events.Count).Select(i => (long)i));
        model.Count("chat").ShouldBe(2);
    }

    [Fact]
    public async Task Run_TransientRetrievalFailure_RetriedWithinTheSameAttempt()
    {
        var retriever = new ScriptedRetriever(Passages) { TransientFailures = 1 };
        await using var host = await WorkflowHost.StartAsync(_data.Path, retriever, TimeProvider.System);

        var final = await host.Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("Where do lock files go?"));

        final.Status.ShouldBe(WorkflowStatus.Completed);
        retriever.Queries.Count.ShouldBe(2);
        final.FindStep("retrieve")!.Attempts.ShouldBe(1);
    }

    [Fact]
    public async Task Run_AgentFailsFiveTimesInARow_CircuitOpensAndTheNextRunFailsFast()
    {
        var retriever = new ScriptedRetriever(Passages) { FailWhen = _ => true };
        await using var host = await WorkflowHost.StartAsync(_data.Path, retriever, _time);
        for (var i = 0; i < StepResilience.BreakerThreshold; i++)
        {
            (await host.Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("Where do lock files go?"))).Status.ShouldBe(WorkflowStatus.Failed);
        }

        var sixth = await host.Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("Where do lock files go?"));

        retriever.Queries.Count.ShouldBe(StepResilience.BreakerThreshold);
        sixth.Error!.ShouldStartWith("Step 'retrieve' (retrieval) failed: The circuit is now open");
    }

    [Theory]
    [InlineData("", "The query is empty: ask a question.")]
    [InlineData("   ", "The query is empty: ask a question.")]
    public async Task Start_EmptyQuery_Rejected(string query, string message)
    {
        await using var host = await WorkflowHost.StartAsync(_data.Path, new ScriptedRetriever(Passages), _time);

        var ex = await Should.ThrowAsync<QueryRejectedException>(() => host.Workflows.StartAsync(Tenancy.DefaultTenant, new QueryRequest(query)));

        (ex.Field, ex.Message).ShouldBe(("query", message));
    }

    [Fact]
    public async Task Start_TooLongQueryOrModelModeWithoutModel_Rejected()
    {
        await using var host = await WorkflowHost.StartAsync(_data.Path, new ScriptedRetriever(Passages), _time, configure: o => o.MaxQueryLength = 10);

        var tooLong = await Should.ThrowAsync<QueryRejectedException>(() => host.Workflows.StartAsync(Tenancy.DefaultTenant, new QueryRequest("Where do lock files go?")));
        var noModel = await Should.ThrowAsync<QueryRejectedException>(() => host.Workflows.StartAsync(Tenancy.DefaultTenant, new QueryRequest("Locks?", Mode: QueryMode.Model)));

        tooLong.Message.ShouldBe("The query is 23 characters long; the limit is 10 (AgentRag:Agents:MaxQueryLength).");
        noModel.Field.ShouldBe("mode");
    }

    [Fact]
    public async Task Run_Arithmetic_ComputedWithoutDocuments()
    {
        var retriever = new ScriptedRetriever(Passages);
        await using var host = await WorkflowHost.StartAsync(_data.Path, retriever, _time);

        var final = await host.Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("What is (3 + 4) * 12?"));

        final.Answer!.Answer.ShouldBe("(3 + 4) * 12 = 84");
        final.Answer.Mode.ShouldBe(AnswerMode.Reasoning);
        retriever.Queries.ShouldBeEmpty();
    }
}
