using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgentRag.Agents;
using AgentRag.Runtime.Embedded;
using AgentRag.Agents.Approvals;
using AgentRag.Agents.Planning;
using AgentRag.Agents.Reasoning;
using AgentRag.Agents.Workflows;
using AgentRag.Core;
using AgentRag.Core.Approvals;
using AgentRag.Core.Events;
using AgentRag.Ingestion.Pipeline;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Mcp.Tests;

/// <summary>
/// The reasoning agent's tool loop inside real workflows: the product's composition root with the external
/// <see cref="TestMcpServer"/> (tools <c>tools__echo</c>, <c>tools__hang</c>, side-effecting <c>tools__write_note</c>),
/// the built-in tools, and a scripted loopback OpenAI server that issues the function calls. The clock is manual: tool
/// timeouts fire only when the test advances it.
/// </summary>
public sealed class ReasoningToolsTests : IAsyncLifetime
{
    private readonly TempDirectory _folder = new("agentrag-reasoning-tools");
    private OpenAiTestServer _model = null!;
    private RegistryHarness _harness = null!;

    private string PidFile => _folder.Combine("server.pid");

    private WorkflowService Workflows => _harness.Services.GetRequiredService<WorkflowService>();

    public async Task InitializeAsync()
    {
        _model = await OpenAiTestServer.StartAsync();
        var settings = RegistryHarness.TestServerSettings("tools", PidFile);
        settings["OPENAI_BASE_URL"] = _model.BaseUrl.ToString();
        settings["AGENTRAG_CHAT_MODEL"] = "test-model";
        settings["AgentRag:Models:Resilience:MaxRetries"] = "0";
        settings["AgentRag:Agents:UseModelPlanner"] = "false";
        settings["AgentRag:Agents:MaxToolIterations"] = "3";
        settings["AgentRag:Agents:ToolTimeoutMs"] = "1000";
        _harness = new RegistryHarness(_folder.Combine("data"), settings);
        _harness.Registry.Start();
        await _harness.Services.GetRequiredService<EmbeddedActorHost>().StartAsync(CancellationToken.None);
        await _harness.WaitForCatalogAsync(c => c.Any(t => t.Name == "tools__echo"), "listed echo");
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _model.DisposeAsync();
        _folder.Dispose();
    }

    private static JsonElement Json(StoredEvent stored) => JsonDocument.Parse(stored.Data).RootElement;

    private static List<JsonElement> ToolEvents(IEnumerable<StoredEvent> events) =>
        [.. events.Where(e => e.Type == WorkflowEvents.StepProgress).Select(Json)
            .Where(d => d.TryGetProperty("tool", out var t) && t.ValueKind == JsonValueKind.Object).Select(d => d.GetProperty("tool"))];

    private static List<string> Warnings(IEnumerable<StoredEvent> events, string kind) =>
        [.. events.Where(e => e.Type == WorkflowEvents.StepProgress).Select(Json)
            .Where(d => d.TryGetProperty("warning", out var w) && w.ValueKind == JsonValueKind.Object && w.GetProperty("kind").GetString() == kind)
            .Select(d => d.GetProperty("warning").GetProperty("message").GetString()!)];

    private List<RecordedRequest> ChatRequests() => [.. _model.Requests.Where(r => r.Route == "chat")];

    private static string? ToolMessage(RecordedRequest request) =>
        (string?)request.Json!["messages"]!.AsArray().Single(m => (string?)m!["role"] == "tool")!["content"];

    [Fact]
    public async Task Run_QuestionNamesExternalTool_ModelCallsItAndItsResultReachesTheModelTheAnswerAndTheStream()
    {
        _model.Chat.Enqueue(ScriptedResponse.ToolCall(new ScriptedToolCall("tools__echo", """{"message":"hello from the workflow"}""")));
        _model.Chat.Enqueue(ScriptedResponse.Reply("The echo tool answered: echo: hello from the workflow"));
        var events = new List<StoredEvent>();

        var final = await Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("Use the echo tool to repeat 'hello from the workflow'"), events.Add);

        final.Status.ShouldBe(WorkflowStatus.Completed, final.Error);
        var step = final.Plan!.Steps.ShouldHaveSingleItem();
        step.Agent.ShouldBe(AgentNames.Reasoning);
        step.Inputs["tools"].EnumerateArray().Select(t => t.GetString()).ShouldBe(["tools__echo"]);
        step.Policy.RequiresApproval.ShouldBeFalse();
        final.Plan.Rationale.ShouldContain(ToolMentions.Rule);
        var tool = ToolEvents(events).ShouldHaveSingleItem();
        tool.GetProperty("name").GetString().ShouldBe("tools__echo");
        JsonDocument.Parse(tool.GetProperty("arguments").GetString()!).RootElement.GetProperty("message").GetString().ShouldBe("hello from the workflow");
        tool.GetProperty("result").GetString().ShouldBe("echo: hello from the workflow");
        // The first turn offers the tools as functions; the second carries the tool's result as the answer to its call.
        var requests = ChatRequests();
        requests.Count.ShouldBe(2);
        requests[0].Body.ShouldContain("\"tools__echo\"");
        requests[0].Body.ShouldContain("\"calculator\"");
        requests[0].Body.ShouldNotContain("tools__write_note"); // side effects, and the plan does not list it
        ToolMessage(requests[1]).ShouldBe("echo: hello from the workflow");
        final.Answer!.Answer.ShouldBe("The echo tool answered: echo: hello from the workflow");
        final.Answer.Mode.ShouldBe(AnswerMode.Model);
        final.Answer.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public async Task Run_ModelCallsBuiltInKeywordSearch_PassagesOfTheIngestedDocumentGoToTheModelAndTheStream()
    {
        var ingestion = _harness.Services.GetRequiredService<DocumentIngestionService>();
        var submitted = await ingestion.SubmitFileAsync(Tenancy.DefaultTenant, SharedPaths.CorpusFile("nodejs-url.md"));
        (await ingestion.ProcessAsync(Tenancy.DefaultTenant, submitted.Document.Id))!.Status.ShouldBe(Core.Documents.DocumentStatus.Ready);
        _model.Chat.Enqueue(ScriptedResponse.ToolCall(new ScriptedToolCall("keyword_search", """{"query":"WHATWG URL Standard"}""")));
        _model.Chat.Enqueue(ScriptedResponse.Reply("Node.js implements the WHATWG URL Standard (nodejs-url.md)."));
        var events = new List<StoredEvent>();

        var final = await Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("what can you do"), events.Add);

        final.Status.ShouldBe(WorkflowStatus.Completed, final.Error);
        var tool = ToolEvents(events).ShouldHaveSingleItem();
        tool.GetProperty("name").GetString().ShouldBe("keyword_search");
        tool.GetProperty("result").GetString()!.ShouldContain("nodejs-url.md");
        ToolMessage(ChatRequests()[^1])!.ShouldContain("WHATWG");
        final.Answer!.Answer.ShouldBe("Node.js implements the WHATWG URL Standard (nodejs-url.md).");
        string.Concat(events.Where(e => e.Type == WorkflowEvents.Token).Select(e => Json(e).GetProperty("text").GetString())).ShouldBe(final.Answer.Answer);
    }

    [Fact]
    public async Task Run_ToolHangs_CutOffByTheToolTimeoutAndReportedToTheModelNotAFailedWorkflow()
    {
        _model.Chat.Enqueue(ScriptedResponse.ToolCall(new ScriptedToolCall("tools__hang", "{}")));
        _model.Chat.Enqueue(ScriptedResponse.Reply("The hang tool did not answer in time."));
        var calling = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var events = new List<StoredEvent>();

        var run = Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("Please run the hang tool"), e =>
        {
            events.Add(e);
            if (e.Type == WorkflowEvents.StepProgress && Json(e).GetProperty("message").GetString()!.StartsWith("Calling tools__hang", StringComparison.Ordinal))
            {
                calling.TrySetResult();
            }
        });
        await calling.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _harness.Time.Advance(TimeSpan.FromSeconds(1)); // AgentRag:Agents:ToolTimeoutMs
        var final = await run.WaitAsync(TimeSpan.FromSeconds(30));

        final.Status.ShouldBe(WorkflowStatus.Completed, final.Error);
        const string Error = "The tool 'tools__hang' did not answer within 1 s (AgentRag:Agents:ToolTimeoutMs) and was cut off.";
        Warnings(events, ReasoningAgent.ToolErrorWarning).ShouldBe([Error]);
        ToolEvents(events).ShouldHaveSingleItem().GetProperty("result").GetString().ShouldBe($"error: {Error}");
        ToolMessage(ChatRequests()[^1]).ShouldBe($"Error: {Error}");
        final.Answer!.Answer.ShouldBe("The hang tool did not answer in time.");
        final.Answer.Warnings.ShouldContain(Error);
    }

    [Fact]
    public async Task Run_ToolThrows_ErrorReportedToTheModelAndOnTheStream()
    {
        // The calculator cannot divide by zero: a tool error, not a failed step.
        _model.Chat.Enqueue(ScriptedResponse.ToolCall(new ScriptedToolCall("calculator", """{"expression":"1 / (2 - 2)"}""")));
        _model.Chat.Enqueue(ScriptedResponse.Reply("That cannot be computed: it divides by zero."));
        var events = new List<StoredEvent>();

        var final = await Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("hello"), events.Add);

        final.Status.ShouldBe(WorkflowStatus.Completed, final.Error);
        var warning = Warnings(events, ReasoningAgent.ToolErrorWarning).ShouldHaveSingleItem();
        warning.ShouldBe("Invalid arguments for tool 'calculator': '1 / (2 - 2)' cannot be computed: Attempted to divide by zero.");
        ToolMessage(ChatRequests()[^1]).ShouldBe($"Error: {warning}");
        final.Answer!.Answer.ShouldBe("That cannot be computed: it divides by zero.");
    }

    [Fact]
    public async Task Run_ModelRepliesWithOnlyWhitespace_TheAnswerSaysSoWithAWarning()
    {
        _model.Chat.Enqueue(ScriptedResponse.Reply("  \n "));

        var final = await Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("hello"));

        final.Status.ShouldBe(WorkflowStatus.Completed, final.Error);
        final.Answer!.Answer.ShouldBe(ReasoningAgent.EmptyReplyAnswer);
        final.Answer.Warnings.ShouldContain("The chat model returned an empty reply.");
    }

    [Fact]
    public async Task Run_ModelKeepsCallingTools_StopsAtTheIterationCapWithAWarning()
    {
        for (var i = 1; i <= 3; i++)
        {
            _model.Chat.Enqueue(ScriptedResponse.ToolCall(new ScriptedToolCall("calculator", $$"""{"expression":"{{i}} + {{i}}"}""")));
        }

        var events = new List<StoredEvent>();

        var final = await Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("thanks"), events.Add);

        final.Status.ShouldBe(WorkflowStatus.Completed, final.Error);
        _model.Count("chat").ShouldBe(3); // AgentRag:Agents:MaxToolIterations
        ToolEvents(events).Select(t => t.GetProperty("result").GetString())
            .ShouldBe(["""{"expression":"1 + 1","result":"2"}""", """{"expression":"2 + 2","result":"4"}"""]);
        var limit = Warnings(events, ReasoningAgent.ToolLimitWarning).ShouldHaveSingleItem();
        limit.ShouldBe("The reasoning agent stopped after 3 model turns (AgentRag:Agents:MaxToolIterations) while the model still asked for tools.");
        final.Answer!.Answer.ShouldBe($"I could not finish: {limit}");
        final.Answer.Warnings.ShouldContain(limit);
    }

    [Fact]
    public async Task Run_QuestionNamesSideEffectingTool_StepWaitsForApprovalThenTheModelMayCallIt()
    {
        _model.Chat.Enqueue(ScriptedResponse.ToolCall(new ScriptedToolCall("tools__write_note", """{"text":"the build is green"}""")));
        _model.Chat.Enqueue(ScriptedResponse.Reply("Noted: the build is green."));
        var events = new List<StoredEvent>();

        var waiting = await Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("Use write_note to record that the build is green"), events.Add);

        waiting.Status.ShouldBe(WorkflowStatus.AwaitingApproval); // nothing ran before the approval
        _model.Count("chat").ShouldBe(0);
        var approvalId = Json(events.Single(e => e.Type == WorkflowEvents.ApprovalRequired)).GetProperty("approvalId").GetString()!;
        var approvals = _harness.Services.GetRequiredService<ApprovalService>();
        var request = (await approvals.GetAsync(Tenancy.DefaultTenant, approvalId))!;
        request.StepId.ShouldBe("reason");
        request.Reasons.ShouldContain(ApprovalReasons.SideEffects);
        request.Action.ShouldContain("which may call 'tools__write_note'");
        request.Rationale.ShouldContain("The tool 'tools__write_note' (tools) changes state outside the platform");
        var eventLog = _harness.Services.GetRequiredService<IEventLog>();
        using var subscription = eventLog.Subscribe(Tenancy.DefaultTenant, WorkflowEvents.StreamId(waiting.WorkflowId));
        (await approvals.DecideAsync(Tenancy.DefaultTenant, approvalId, new ApprovalDecisionRequest(ApprovalDecision.Approve, "alice")))
            .Outcome.ShouldBe(ApprovalDecisionOutcome.Applied);
        await foreach (var stored in subscription.ReadAllAsync().WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token))
        {
            events.Add(stored);
            if (WorkflowEvents.IsFinal(stored))
            {
                break;
            }
        }

        var final = (await Workflows.GetAsync(Tenancy.DefaultTenant, waiting.WorkflowId))!;
        final.Status.ShouldBe(WorkflowStatus.Completed, final.Error);
        var step = final.Plan!.Steps.ShouldHaveSingleItem();
        step.Inputs["tools"].EnumerateArray().Select(t => t.GetString()).ShouldBe(["tools__write_note"]);
        step.Policy.RequiresApproval.ShouldBeTrue();
        ChatRequests()[0].Body.ShouldContain("\"tools__write_note\""); // offered once approved, because the plan lists it
        ToolEvents(events).ShouldHaveSingleItem().GetProperty("result").GetString().ShouldBe("noted 18 characters");
        final.Answer!.Answer.ShouldBe("Noted: the build is green.");
    }

    [Fact]
    public async Task Run_ExternalServerKilledMidWorkflow_ToolsLeaveTheCatalogAndTheCallFailsCleanlyWithAWarning()
    {
        var firstTurn = ScriptedResponse.Held(ScriptedResponse.ToolCall(new ScriptedToolCall("tools__echo", """{"message":"anyone there?"}""")));
        _model.Chat.Enqueue(firstTurn);
        _model.Chat.Enqueue(ScriptedResponse.Reply("The echo tool is not available right now."));
        var events = new List<StoredEvent>();

        var run = Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("Use the echo tool to repeat 'anyone there?'"), events.Add);
        await firstTurn.Received.WaitAsync(TimeSpan.FromSeconds(30));
        var pid = int.Parse(await File.ReadAllTextAsync(PidFile), CultureInfo.InvariantCulture);
        using (var process = Process.GetProcessById(pid))
        {
            process.Kill();
        }

        var catalog = await _harness.WaitForCatalogAsync(c => !c.Any(t => t.Source == "tools"), "dropped the killed server's tools");
        firstTurn.Release();
        var final = await run.WaitAsync(TimeSpan.FromSeconds(30));

        catalog.ShouldContain(t => t.Name == "calculator");
        final.Status.ShouldBe(WorkflowStatus.Completed, final.Error);
        var warning = Warnings(events, ReasoningAgent.ToolErrorWarning).ShouldHaveSingleItem();
        warning.ShouldStartWith("The MCP server 'tools' is down");
        ToolMessage(ChatRequests()[^1]).ShouldBe($"Error: {warning}");
        final.Answer!.Answer.ShouldBe("The echo tool is not available right now.");
        final.Answer.Warnings.ShouldContain(warning);

        // A new question naming the tool no longer gets a tool plan: the catalog does not have it.
        var planner = _harness.Services.GetRequiredService<IQueryPlanner>();
        var plan = await planner.PlanAsync(new PlanningRequest(Tenancy.DefaultTenant, "Use the echo tool to repeat 'anyone there?'", "wf_0000000000000001", UseModel: false));
        plan.Plan.Rationale.ShouldNotContain(ToolMentions.Rule);
    }
}
