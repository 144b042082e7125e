using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using AgentRag.Core.Approvals;
using AgentRag.Core.Telemetry;

namespace AgentRag.Agents.Workflows;

/// <summary>
/// Spans and metrics of query workflows (docs/operations.md, "Metrics and traces"). Every span of a workflow is a child
/// of the context stored in <see cref="WorkflowState.TraceParent"/>, so the planning, each step, each commit and each
/// approval wait join the trace of the request that started the query, after a restart or on another replica too.
/// Thread-safe.
/// </summary>
public static class WorkflowTelemetry
{
    public const string SourceName = "AgentRag.Agents";

    public static readonly ActivitySource ActivitySource = new(SourceName);

    /// <summary>Bucket bounds in seconds, from 5 ms (a cached extractive answer) to 2 minutes (a long model answer).</summary>
    private static readonly IReadOnlyList<double> SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

    private static readonly Counter<long> Invocations = AgentRagTelemetry.Meter.CreateCounter<long>(
        "agentrag.agent.invocations", "{invocation}", "Agent runs (workflow step attempts), by agent and outcome (completed, failed, timed_out).");

    private static readonly Histogram<double> StepDuration = AgentRagTelemetry.Meter.CreateHistogram<double>(
        "agentrag.step.duration", "s", "Duration of each workflow step run, by agent and outcome.", advice: Seconds());

    private static readonly Histogram<double> QueryDuration = AgentRagTelemetry.Meter.CreateHistogram<double>(
        "agentrag.query.duration", "s", "Query latency: from the workflow's start to its end, by outcome (completed, failed, cancelled).", advice: Seconds());

    private static readonly Histogram<double> TimeToFirstToken = AgentRagTelemetry.Meter.CreateHistogram<double>(
        "agentrag.query.time_to_first_token", "s", "From the workflow's start to the first answer token it streams.", advice: Seconds());

    private static readonly Histogram<double> ApprovalWait = AgentRagTelemetry.Meter.CreateHistogram<double>(
        "agentrag.approval.wait", "s", "From an approval request to its resolution, by status (approved, rejected, expired).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 10, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 7 * 24 * 3600] });

    /// <summary>The unfinished workflows this process holds, by actor key; read by the gauges below.</summary>
    private static readonly ConcurrentDictionary<string, (WorkflowStatus Status, int AwaitingSteps)> Open = new(StringComparer.Ordinal);

    static WorkflowTelemetry()
    {
        AgentRagTelemetry.Meter.CreateObservableGauge("agentrag.workflows.active", ObserveActive, "{workflow}",
            "Unfinished workflows held by this process, by status (planning, running, awaiting_approval).");
        AgentRagTelemetry.Meter.CreateObservableGauge("agentrag.approvals.pending", () => Open.Values.Sum(v => (long)v.AwaitingSteps), "{approval}",
            "Steps waiting for a person's decision in the workflows this process holds.");
    }

    /// <summary>
    /// The W3C <c>traceparent</c> of the span a new workflow should join: the caller's current span, or null when there
    /// is none (the workflow's spans then start a trace of their own).
    /// </summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>
    /// Starts a span of the workflow whose stored parent is <paramref name="traceParent"/>; null when nothing listens (or
    /// the sampler drops it). <paramref name="startTime"/> backdates it (an approval wait that began before this process).
    /// </summary>
    public static Activity? StartSpan(string name, string? traceParent, string workflowId, DateTimeOffset startTime = default)
    {
        var parent = ActivityContext.TryParse(traceParent, null, isRemote: true, out var context) ? context : default;
        var activity = ActivitySource.StartActivity(name, ActivityKind.Internal, parent, startTime: startTime);
        activity?.SetTag("agentrag.workflow.id", workflowId);
        return activity;
    }

    /// <summary>Starts the span of one tool call, a child of the current (step) span; tagged with the tool and its source.</summary>
    public static Activity? StartToolCall(string tool, string? source)
    {
        var activity = ActivitySource.StartActivity("tool " + tool, ActivityKind.Client);
        activity?.SetTag("gen_ai.tool.name", tool);
        activity?.SetTag("agentrag.tool.source", source);
        return activity;
    }

    /// <summary>Records a finished step run of <paramref name="tenant"/>'s workflow: its count by outcome and its duration.</summary>
    public static void RecordStep(string tenant, string agent, string outcome, TimeSpan duration)
    {
        var tags = new TagList { { "tenant", tenant }, { "agent", agent }, { "outcome", outcome } };
        Invocations.Add(1, tags);
        StepDuration.Record(duration.TotalSeconds, tags);
    }

    public static void RecordQuery(string tenant, WorkflowStatus outcome, TimeSpan duration) =>
        QueryDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("outcome", StatusName(outcome)));

    public static void RecordFirstToken(string tenant, TimeSpan sinceStart) =>
        TimeToFirstToken.Record(sinceStart.TotalSeconds, new KeyValuePair<string, object?>("tenant", tenant));

    /// <summary>
    /// Emits the span of one approval wait, from the request (<see cref="ApprovalRecord.CreatedAt"/>, durable, so the
    /// wait may have outlived the process that paused) to <paramref name="resolvedAt"/>, and records its duration.
    /// </summary>
    public static void RecordApprovalWait(ApprovalRecord record, string? traceParent, DateTimeOffset resolvedAt)
    {
        var status = record.Status.ToString().ToLowerInvariant();
        ApprovalWait.Record(Math.Max(0, (resolvedAt - record.CreatedAt).TotalSeconds), new KeyValuePair<string, object?>("status", status));
        using var span = StartSpan("workflow.approval_wait", traceParent, record.WorkflowId, record.CreatedAt);
        if (span is null)
        {
            return;
        }

        span.SetTag("agentrag.step.id", record.StepId);
        span.SetTag("agentrag.agent", record.Agent);
        span.SetTag("agentrag.approval.id", record.Id);
        span.SetTag("agentrag.approval.status", status);
        span.SetEndTime(resolvedAt.UtcDateTime);
    }

    /// <summary>Tracks <paramref name="state"/> for the gauges; a terminal workflow is forgotten.</summary>
    public static void Track(string actorKey, WorkflowState state)
    {
        if (state.IsTerminal)
        {
            Open.TryRemove(actorKey, out _);
            return;
        }

        Open[actorKey] = (state.Status, state.Steps.Count(s => s.Status == StepStatus.AwaitingApproval));
    }

    private static IEnumerable<Measurement<long>> ObserveActive() =>
        Open.Values.GroupBy(v => v.Status).Select(g => new Measurement<long>(g.LongCount(), new KeyValuePair<string, object?>("status", StatusName(g.Key))));

    private static string StatusName(WorkflowStatus status) => status switch
    {
        WorkflowStatus.AwaitingApproval => "awaiting_approval",
        _ => status.ToString().ToLowerInvariant(),
    };

    private static InstrumentAdvice<double> Seconds() => new() { HistogramBucketBoundaries = SecondsBuckets };
}
