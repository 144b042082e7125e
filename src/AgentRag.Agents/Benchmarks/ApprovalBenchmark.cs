using System.Diagnostics;
using System.Text.Json;
using AgentRag.Agents.Approvals;
using AgentRag.Agents.Workflows;
using AgentRag.Core.Approvals;
using AgentRag.Core.Events;

namespace AgentRag.Agents.Benchmarks;

/// <summary>Settings of <see cref="ApprovalBenchmark"/>.</summary>
public sealed record ApprovalBenchmarkOptions
{
    /// <summary>Workflows paused at once, then resumed one decision at a time.</summary>
    public int Workflows { get; init; } = 100;

    /// <summary>Questions, asked round-robin (extractive; the data folder's documents should answer them).</summary>
    public IReadOnlyList<string> Questions { get; init; } = new QueryBenchmarkOptions().Questions;

    public string Tenant { get; init; } = Core.Tenancy.DefaultTenant;
}

/// <summary>
/// Pause/resume overhead in milliseconds. <see cref="ResumeP95Ms"/> is the time from a decision (the call to
/// <see cref="ApprovalService.DecideAsync"/>) to the gated step's <c>step.started</c> reaching a subscriber, excluding
/// the step's own work; <see cref="DecisionP95Ms"/> is the decision call's round trip, which returns after the step was
/// launched (the request's and the workflow's changes are durable by then). Each workflow runs to its end before the next
/// decision, so other workflows' steps do not compete with the measured resume.
/// </summary>
public sealed record ApprovalBenchmarkResult(
    int Workflows,
    int Errors,
    double ResumeP50Ms,
    double ResumeP95Ms,
    double ResumeMaxMs,
    double DecisionP50Ms,
    double DecisionP95Ms,
    double WallSeconds,
    IReadOnlyList<string> ErrorSamples);

/// <summary>
/// <c>agentrag bench approvals</c>: starts N extractive queries with <c>"approval": "before_answer"</c>, waits until all
/// are paused at once, then approves them one by one (each running to its end before the next) and measures how long
/// each takes to resume (see
/// <see cref="ApprovalBenchmarkResult"/>). Runs in-process on the real services (SQLite store, actor host).
/// </summary>
public static class ApprovalBenchmark
{
    public static async Task<ApprovalBenchmarkResult> RunAsync(
        WorkflowService workflows, ApprovalService approvals, IEventLog eventLog, ApprovalBenchmarkOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflows);
        ArgumentNullException.ThrowIfNull(approvals);
        ArgumentNullException.ThrowIfNull(eventLog);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Workflows);
        var wall = Stopwatch.StartNew();
        var runs = new List<Run>(options.Workflows);
        try
        {
            for (var i = 0; i < options.Workflows; i++)
            {
                var workflowId = WorkflowService.NewWorkflowId();
                var run = new Run(workflowId, eventLog.Subscribe(options.Tenant, WorkflowEvents.StreamId(workflowId)));
                run.Watch = WatchAsync(run, cancellationToken);
                runs.Add(run);
                await workflows.StartAsync(options.Tenant,
                    new QueryRequest(options.Questions[i % options.Questions.Count], Mode: QueryMode.Extractive) { Approval = ApprovalCheckpoint.BeforeAnswer },
                    run.WorkflowId, cancellationToken);
            }

            // All paused at once, then one decision at a time so each resume is measured alone.
            await Task.WhenAll(runs.Select(r => r.Paused.Task.WaitAsync(TimeSpan.FromMinutes(5), cancellationToken)));
            foreach (var run in runs)
            {
                Volatile.Write(ref run.DecidedAt, Stopwatch.GetTimestamp());
                var result = await approvals.DecideAsync(options.Tenant, run.ApprovalId!,
                    new ApprovalDecisionRequest(ApprovalDecision.Approve, "benchmark"), cancellationToken);
                run.DecisionMs = Stopwatch.GetElapsedTime(run.DecidedAt).TotalMilliseconds;
                if (result.Outcome != ApprovalDecisionOutcome.Applied)
                {
                    run.Error = $"decision {result.Outcome}";
                    continue;
                }

                await run.Resumed.Task.WaitAsync(TimeSpan.FromMinutes(1), cancellationToken);
                await run.Watch!.WaitAsync(TimeSpan.FromMinutes(1), cancellationToken);
            }

            await Task.WhenAll(runs.Select(r => r.Watch!));
        }
        finally
        {
            foreach (var run in runs)
            {
                run.Subscription.Dispose();
            }
        }

        wall.Stop();
        var ok = runs.Where(r => r.Error is null).ToList();
        var resume = ok.Select(r => r.ResumeMs).Order().ToList();
        var decision = ok.Select(r => r.DecisionMs).Order().ToList();
        return new ApprovalBenchmarkResult(
            runs.Count,
            runs.Count - ok.Count,
            Percentile(resume, 0.50),
            Percentile(resume, 0.95),
            resume.Count == 0 ? 0 : Math.Round(resume[^1], 3),
            Percentile(decision, 0.50),
            Percentile(decision, 0.95),
            Math.Round(wall.Elapsed.TotalSeconds, 3),
            [.. runs.Where(r => r.Error is not null).Select(r => r.Error!).Distinct().Take(5)]);
    }

    /// <summary>Follows one workflow's stream: the pause, the resume, and its end.</summary>
    private static async Task WatchAsync(Run run, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var stored in run.Subscription.ReadAllAsync(cancellationToken))
            {
                var now = Stopwatch.GetTimestamp();
                switch (stored.Type)
                {
                    case WorkflowEvents.ApprovalRequired:
                        run.ApprovalId = WorkflowEventJson.Deserialize<ApprovalRequestEvent>(stored.Data).ApprovalId;
                        run.Paused.TrySetResult();
                        break;
                    case WorkflowEvents.StepStarted when Volatile.Read(ref run.DecidedAt) is not 0 and var decidedAt && run.ResumeMs == 0:
                        run.ResumeMs = Stopwatch.GetElapsedTime(decidedAt, now).TotalMilliseconds;
                        run.Resumed.TrySetResult();
                        break;
                    case WorkflowEvents.Done:
                        return;
                    case WorkflowEvents.Error:
                        run.Error = $"workflow error: {stored.Data}";
                        run.Paused.TrySetResult();
                        run.Resumed.TrySetResult();
                        return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped by the caller.
        }
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)], 3);

    private sealed class Run(string workflowId, EventSubscription subscription)
    {
        /// <summary>When the decision was made (a <see cref="Stopwatch"/> timestamp); 0 before.</summary>
        public long DecidedAt;

        public string WorkflowId { get; } = workflowId;

        public EventSubscription Subscription { get; } = subscription;

        public TaskCompletionSource Paused { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Resumed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task? Watch { get; set; }

        public string? ApprovalId { get; set; }

        public double ResumeMs { get; set; }

        public double DecisionMs { get; set; }

        public string? Error { get; set; }
    }
}
