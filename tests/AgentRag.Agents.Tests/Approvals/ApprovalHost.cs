using System.Collections.Concurrent;
using System.Text.Json;
using AgentRag.Agents.Approvals;
using AgentRag.Agents.Planning;
using AgentRag.Agents.Plans;
using AgentRag.Agents.Retrieval;
using AgentRag.Agents.Tools;
using AgentRag.Agents.Workflows;
using AgentRag.Core;
using AgentRag.Core.Approvals;
using AgentRag.Core.Events;
using AgentRag.Core.Serialization;
using AgentRag.Models;
using AgentRag.Runtime.Embedded;
using AgentRag.Storage.Sqlite;
using AgentRag.TestKit;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRag.Agents.Tests.Approvals;

/// <summary>
/// The orchestration services with approvals over a data folder: a scripted retriever, an optional fixed planner and
/// tools, approval settings as configuration, and the given clock; the actor host is started. Dispose to "stop the
/// process"; a new instance on the same folder is the restart.
/// </summary>
public sealed class ApprovalHost : IAsyncDisposable
{
    /// <summary>Step timeouts far beyond any approval timeout a test advances the clock by.</summary>
    private const int StepTimeoutMs = 600_000;

    private readonly ServiceProvider _services;

    private ApprovalHost(ServiceProvider services) => _services = services;

    public IServiceProvider Services => _services;

    public WorkflowService Workflows => _services.GetRequiredService<WorkflowService>();

    public ApprovalService Approvals => _services.GetRequiredService<ApprovalService>();

    public IApprovalStore Store => _services.GetRequiredService<IApprovalStore>();

    public IEventLog EventLog => _services.GetRequiredService<IEventLog>();

    public static async Task<ApprovalHost> StartAsync(
        string dataPath,
        TimeProvider time,
        IPassageRetriever? retriever = null,
        IDictionary<string, string?>? settings = null,
        Plan? plan = null,
        IStepToolSource? tools = null,
        ILoggerProvider? logs = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(builder =>
        {
            if (logs is not null)
            {
                builder.AddProvider(logs);
            }
        });
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(EmbeddingTestSettings.Apply(settings ?? new Dictionary<string, string?>())).Build());
        services.AddSingleton(time);
        services.AddSingleton(new DataFolder(dataPath));
        services.AddSqliteStorage(dataPath);
        services.AddModels();
        services.AddEmbeddedActorRuntime();
        services.AddSingleton(retriever ?? new Support.ScriptedRetriever(Passages));
        if (plan is not null)
        {
            services.AddSingleton<IQueryPlanner>(new FixedPlanner(plan));
        }

        if (tools is not null)
        {
            services.AddSingleton(tools);
            services.AddStepTools<RecordingTools>();
        }

        services.AddAgents(o =>
        {
            o.RetrievalTimeoutMs = StepTimeoutMs;
            o.SynthesisTimeoutMs = StepTimeoutMs;
            o.CitationTimeoutMs = StepTimeoutMs;
            o.ReasoningTimeoutMs = StepTimeoutMs;
            o.ResumeInterval = TimeSpan.FromHours(1);
        });
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<EmbeddedActorHost>().StartAsync(CancellationToken.None);
        return new ApprovalHost(provider);
    }

    public static IReadOnlyList<RetrievedPassage> Passages { get; } =
    [
        Support.ScriptedRetriever.Passage("tmp", "The /tmp directory holds temporary files. Programs must not assume that files in /tmp are preserved between invocations of the program.", "/tmp : Temporary files", "fhs.md"),
        Support.ScriptedRetriever.Passage("lock", "Lock files go in /var/lock. The name of a device lock file is LCK.. followed by the base name of the device.", "/var/lock : Lock files", "fhs.md"),
    ];

    /// <summary>Starts a query and returns its workflow id.</summary>
    public async Task<string> StartAsync(string query, ApprovalCheckpoint approval = ApprovalCheckpoint.BeforeAnswer, string tenant = Tenancy.DefaultTenant)
    {
        var id = WorkflowService.NewWorkflowId();
        await Workflows.StartAsync(tenant, new QueryRequest(query) { Approval = approval }, id);
        return id;
    }

    /// <summary>Waits (at most 30 s) for the first event of the workflow's stream that <paramref name="match"/> accepts, from the start.</summary>
    public Task<StoredEvent> WaitForEventAsync(string workflowId, Func<StoredEvent, bool> match, string tenant = Tenancy.DefaultTenant) =>
        WaitForStreamEventAsync(WorkflowEvents.StreamId(workflowId), match, tenant);

    /// <summary>Waits (at most 30 s) for the first event of <paramref name="stream"/> that <paramref name="match"/> accepts, from the start.</summary>
    public async Task<StoredEvent> WaitForStreamEventAsync(string stream, Func<StoredEvent, bool> match, string tenant = Tenancy.DefaultTenant)
    {
        using var subscription = EventLog.Subscribe(tenant, stream);
        var backlog = await EventLog.ReadAsync(tenant, stream, 0, 100_000);
        if (backlog.FirstOrDefault(match) is { } found)
        {
            return found;
        }

        await foreach (var stored in subscription.ReadAllAsync().WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token))
        {
            if (match(stored))
            {
                return stored;
            }
        }

        throw new InvalidOperationException("The subscription ended.");
    }

    /// <summary>The approval the workflow waits for (after <c>approval.required</c> number <paramref name="nth"/>).</summary>
    public async Task<string> WaitForApprovalAsync(string workflowId, string? stepId = null, string tenant = Tenancy.DefaultTenant)
    {
        var required = await WaitForEventAsync(workflowId, e => e.Type == WorkflowEvents.ApprovalRequired && (stepId is null || Data(e, "stepId") == stepId), tenant);
        return Data(required, "approvalId");
    }

    /// <summary>Every event of the workflow once its stream has ended.</summary>
    public async Task<IReadOnlyList<StoredEvent>> WaitForEndAsync(string workflowId, string tenant = Tenancy.DefaultTenant)
    {
        await WaitForEventAsync(workflowId, WorkflowEvents.IsFinal, tenant);
        return await EventLog.ReadAsync(tenant, WorkflowEvents.StreamId(workflowId), 0, 100_000);
    }

    /// <summary>
    /// The workflow's state as its actor has it after the turn in progress: events are published before their turn
    /// commits, so reading the store right after seeing one could show the state before it.
    /// </summary>
    public Task<WorkflowState?> StateAsync(string workflowId, string tenant = Tenancy.DefaultTenant) =>
        _services.GetRequiredService<EmbeddedActorHost>().AskAsync<WorkflowState?>(WorkflowActor.IdOf(tenant, workflowId), new GetWorkflowState());

    public Task<ApprovalDecisionResult> DecideAsync(string approvalId, ApprovalDecision decision, string user = "alice", string? comment = null,
        IReadOnlyDictionary<string, JsonElement>? inputs = null, string tenant = Tenancy.DefaultTenant) =>
        Approvals.DecideAsync(tenant, approvalId, new ApprovalDecisionRequest(decision, user, comment, inputs));

    public static string Data(StoredEvent stored, string property) =>
        JsonDocument.Parse(stored.Data).RootElement.TryGetProperty(property, out var value) ? value.ToString() : "";

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    /// <summary>A planner that always returns one plan (the approval policy still applies in the workflow).</summary>
    private sealed class FixedPlanner(Plan plan) : IQueryPlanner
    {
        public Task<PlanningResult> PlanAsync(PlanningRequest request, CancellationToken cancellationToken = default) =>
            Task.FromResult(new PlanningResult(plan, new QueryClassification(QueryClass.Knowledge, "fixed", "A fixed test plan.", [], null), "fixed", []));
    }
}

/// <summary>Tools for <c>tool</c> steps that record their calls: <c>send_note</c> (side effects) and <c>lookup</c> (none).</summary>
public sealed class RecordingTools : IStepToolSource
{
    private readonly Dictionary<string, StepTool> _tools;

    public RecordingTools()
    {
        _tools = new Dictionary<string, StepTool>(StringComparer.Ordinal)
        {
            ["send_note"] = new(AIFunctionFactory.Create((string text) =>
            {
                Calls.Enqueue(("send_note", text));
                return $"sent: {text}";
            }, "send_note", "Sends a note to the team channel."), true, "notes"),
            ["lookup"] = new(AIFunctionFactory.Create((string text) =>
            {
                Calls.Enqueue(("lookup", text));
                return $"found: {text}";
            }, "lookup", "Looks a word up."), false, "agentrag"),
        };
    }

    public ConcurrentQueue<(string Tool, string Text)> Calls { get; } = new();

    public StepTool? Find(string tenantId, string name) => _tools.GetValueOrDefault(name);

    public IReadOnlyList<StepTool> List(string tenantId) => [.. _tools.Values];

    /// <summary>A plan step calling <paramref name="tool"/> with <c>{"text": text}</c>.</summary>
    public static PlanStep Step(string id, string tool, string text, params string[] dependsOn) => new()
    {
        Id = id,
        Agent = ToolAgent.Name,
        DependsOn = dependsOn,
        Policy = new StepPolicy(TimeoutMs: 600_000),
        Inputs = new Dictionary<string, JsonElement>
        {
            ["tool"] = JsonSerializer.SerializeToElement(tool, AgentRagJson.Options),
            ["arguments"] = JsonSerializer.SerializeToElement(new { text }, AgentRagJson.Options),
        },
    };
}
