using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgentRag.Agents.Approvals;
using AgentRag.Agents.Planning;
using AgentRag.Agents.Plans;
using AgentRag.Core.Actors;
using AgentRag.Core.Events;
using AgentRag.Core.Serialization;
using Microsoft.Extensions.Logging;

namespace AgentRag.Agents.Workflows;

/// <summary>What every <see cref="WorkflowActor"/> shares.</summary>
public sealed record WorkflowActorServices(
    IQueryPlanner Planner,
    AgentCatalog Catalog,
    PlanValidator Validator,
    IEventLog EventLog,
    bool ModelAvailable,
    StepResilience Resilience,
    ILogger<WorkflowActor> Logger,
    AnswerFeedbackService? Quality = null);

/// <summary>
/// One query's workflow, as an actor: the single writer of its state (<see cref="WorkflowState"/>, persisted at every
/// transition) and of its event stream (<c>workflow:{id}</c>).
/// <list type="bullet">
/// <item>Planning and steps run outside the actor's turn and report back as messages; every step whose dependencies are
/// complete starts at once, so independent steps run in parallel.</item>
/// <item>A transition is committed (state and its events, awaited) before the actor handles the next report. The steps
/// it makes ready start while it is written, and report back in a later turn, so no completion is ever recorded on a
/// result that is not durable. Tokens and progress are appended without waiting (group commit).</item>
/// <item>Each step run has a timeout (<see cref="StepPolicy.TimeoutMs"/>, on the host's clock). A failed or timed-out
/// optional step adds a warning and the workflow goes on; a required step runs its agent's fallback once when it has
/// one, else the workflow fails with the reason.</item>
/// <item>A durable periodic reminder (<see cref="ResumeReminder"/>) is registered while the workflow runs. After a
/// restart it reactivates the actor, which re-plans if no plan was recorded and re-runs the steps that were in flight
/// (at-least-once); completed steps keep their recorded results and never run again.</item>
/// <item>A step whose policy requires approval waits (<c>awaiting_approval</c>) until a person decides; decisions and
/// approval timeouts are messages to this actor, so exactly one of them applies (WorkflowActor.Approvals.cs).</item>
/// </list>
/// </summary>
public sealed partial class WorkflowActor(WorkflowActorServices services) : IActor
{
    public const string ActorType = "workflow";
    public const string StateKey = "workflow";
    public const string ResumeReminder = "resume";

    /// <summary>The state key of a completed step's result.</summary>
    public static string ResultKey(string stepId) => "result:" + stepId;

    private readonly Dictionary<string, RunningStep> _running = new(StringComparer.Ordinal);
    private readonly List<(string Type, WorkflowEventData Data)> _pendingEvents = [];
    private readonly List<StepState> _pendingResults = [];

    /// <summary>Steps that streamed tokens in this process (a re-run of one voids them with <c>token.reset</c>).</summary>
    private readonly HashSet<string> _streamed = new(StringComparer.Ordinal);
    private IActorContext _context = null!;
    private WorkflowState? _state;
    private CancellationTokenSource? _cancellation;
    private bool _live;
    private bool _firstTokenSeen;
    private TimeSpan _resumeInterval = TimeSpan.FromSeconds(10);

    /// <summary>The actor id of workflow <paramref name="workflowId"/> of <paramref name="tenantId"/>.</summary>
    public static ActorId IdOf(string tenantId, string workflowId) => new(ActorType, tenantId, workflowId);

    /// <summary>How often the resume reminder fires (set by the host's options before the first message).</summary>
    public TimeSpan ResumeInterval
    {
        get => _resumeInterval;
        init => _resumeInterval = value;
    }

    public async Task OnActivateAsync(IActorContext context, CancellationToken cancellationToken)
    {
        _context = context;
        _state = await context.ReadStateAsync<WorkflowState>(StateKey, cancellationToken);
        if (_state is { IsTerminal: false })
        {
            foreach (var step in _state.Steps.Where(s => s.Status == StepStatus.Completed))
            {
                step.Output = await context.ReadStateAsync<StepOutput>(ResultKey(step.Id), cancellationToken)
                    ?? throw new InvalidOperationException($"Workflow {_state.WorkflowId}: the result of completed step '{step.Id}' is missing.");
            }
        }

        await LoadApprovalsAsync(cancellationToken);
        if (_state is not null)
        {
            WorkflowTelemetry.Track(context.Id.ToString(), _state);
        }
    }

    public async Task<object?> ReceiveAsync(object message, CancellationToken cancellationToken)
    {
        switch (message)
        {
            case StartWorkflow start:
                return await StartAsync(start.Request, start.TraceParent);
            case GetWorkflowState:
                if (_state is null || _state.IsTerminal)
                {
                    _context.Deactivate(); // Nothing runs here: don't keep a finished workflow in memory.
                }

                // A copy as stored (step results excluded): the asker reads it while later turns change the original.
                return _state is null ? null : JsonSerializer.Deserialize<WorkflowState>(JsonSerializer.SerializeToUtf8Bytes(_state, AgentRagJson.Options), AgentRagJson.Options);
            case CancelWorkflow cancel:
                return await CancelAsync(cancel.Reason);
            case ReminderFired { Name: ResumeReminder }:
                await ResumeAsync();
                return null;
            case DecideApproval decide:
                return await DecideApprovalAsync(decide);
            case ReminderFired fired when IsApprovalReminder(fired.Name):
                await OnApprovalReminderAsync(fired.Name);
                return null;
        }

        if (_state is null || _state.IsTerminal)
        {
            return null; // A late report for a workflow that has ended: nothing to do.
        }

        switch (message)
        {
            case PlanReady ready:
                await OnPlanReadyAsync(ready.Result);
                break;
            case PlanFailed failed:
                await FailAsync($"Planning failed: {failed.Error}", "planning_failed", null);
                break;
            case StepFinished finished:
                await OnStepFinishedAsync(finished);
                break;
            case StepFailedReport failed:
                await OnStepFailedAsync(failed);
                break;
            case ApprovalsReconciled:
                await AdvanceAsync(_state);
                break;
            case StepTokenReport token:
                if (IsCurrent(token.StepId, token.Attempt, out var tokenStep))
                {
                    if (!_firstTokenSeen)
                    {
                        _firstTokenSeen = true;
                        WorkflowTelemetry.RecordFirstToken(_state.TenantId, _context.Time.GetUtcNow() - _state.CreatedAt);
                    }

                    _streamed.Add(token.StepId);
                    await AppendLooseAsync(WorkflowEvents.Token, new TokenEvent(token.StepId, tokenStep.Agent, token.Attempt, token.Text));
                }

                break;
            case StepTokenResetReport reset:
                if (IsCurrent(reset.StepId, reset.Attempt, out var resetStep))
                {
                    await AppendLooseAsync(WorkflowEvents.TokenReset, TokenReset(resetStep, reset.Attempt, reset.Cause, reset.Reason));
                }

                break;
            case StepProgressReport progress:
                if (IsCurrent(progress.StepId, progress.Attempt, out var progressStep))
                {
                    await AppendLooseAsync(WorkflowEvents.StepProgress, new StepProgressEvent(
                        progress.StepId,
                        progressStep.Agent,
                        progress.Attempt,
                        progress.Message,
                        progress.WarningKind is null ? null : new StepWarning(progress.WarningKind, progress.Message),
                        progress.Tool));

                }

                break;
            default:
                throw new InvalidOperationException($"The workflow actor does not handle {message.GetType().Name}.");
        }

        return null;
    }

    private async Task<WorkflowState> StartAsync(QueryRequest request, string? traceParent)
    {
        if (_state is not null)
        {
            return _state; // Idempotent: the workflow exists already.
        }

        var now = _context.Time.GetUtcNow();
        _state = new WorkflowState
        {
            WorkflowId = _context.Id.Id,
            TenantId = _context.Id.TenantId,
            Query = request.Query,
            Filters = request.Filters,
            Mode = request.Mode,
            SessionId = request.SessionId,
            OriginalQuery = request.OriginalQuery,
            RequestedModel = request.Model,
            Approval = request.Approval,
            Status = WorkflowStatus.Planning,
            CreatedAt = now,
            UpdatedAt = now,
            TraceParent = traceParent,
        };
        _live = true;
        _cancellation = new CancellationTokenSource();
        await CommitAsync();
        // Due at once: after a crash the overdue reminder fires as soon as the host starts again.
        await _context.SetReminderAsync(ResumeReminder, TimeSpan.Zero, ResumeInterval);
        StartPlanning();
        return _state;
    }

    private async Task ResumeAsync()
    {
        if (_state is null || _state.IsTerminal)
        {
            await _context.RemoveReminderAsync(ResumeReminder);
            _context.Deactivate();
            return;
        }

        if (_live)
        {
            return; // Running in this process: the periodic reminder has nothing to do.
        }

        _live = true;
        _cancellation = new CancellationTokenSource();
        services.Logger.LogInformation("Resuming workflow {WorkflowId} ({Status}).", _state.WorkflowId, _state.Status);
        if (_state.Plan is null)
        {
            StartPlanning();
            return;
        }

        ReconcileApprovals();
        foreach (var step in _state.Steps.Where(s => s.Status == StepStatus.Running))
        {
            // In flight when the process stopped: it runs again (at-least-once).
            step.Status = StepStatus.Pending;
        }

        var ready = DispatchReady(resumed: true);
        await CommitAsync();
        Launch(ready);
    }

    private void StartPlanning()
    {
        var state = _state!;
        var request = new PlanningRequest(state.TenantId, state.Query, state.WorkflowId, services.ModelAvailable && state.Mode != QueryMode.Extractive)
        {
            SessionId = state.SessionId,
            RequestedModel = state.RequestedModel,
        };
        var token = CancellationTokenSource.CreateLinkedTokenSource(_cancellation!.Token, _context.HostStopping).Token;
        var context = _context;
        _ = Task.Run(async () =>
        {
            using var span = WorkflowTelemetry.StartSpan("workflow.plan", state.TraceParent, state.WorkflowId);
            try
            {
                var result = await services.Planner.PlanAsync(request, token);
                span?.SetTag("agentrag.planner", result.Planner);
                span?.SetTag("agentrag.plan.steps", result.Plan.Steps.Count);
                context.Post(new PlanReady(result));
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Cancelled or stopping: nothing to report.
            }
            catch (Exception ex)
            {
                span?.SetStatus(ActivityStatusCode.Error, ex.Message);
                context.Post(new PlanFailed(ex.Message));
            }
        }, CancellationToken.None);
    }

    private async Task OnPlanReadyAsync(PlanningResult result)
    {
        var state = _state!;
        if (state.Plan is not null)
        {
            return; // Planned already (a duplicate report).
        }

        var errors = services.Validator.Validate(result.Plan);
        if (errors.Count > 0)
        {
            await FailAsync($"The plan is invalid: {string.Join(" ", errors)}", "invalid_plan", null);
            return;
        }

        result = GateForApproval(result);

        state.Plan = result.Plan;
        state.Planner = result.Planner;
        state.Classification = result.Classification;
        state.Routing = result.Routing;
        state.Warnings.AddRange(result.Warnings);
        state.Status = WorkflowStatus.Running;
        state.Steps = [.. result.Plan.Steps.Select(s => new StepState { Id = s.Id, Agent = s.Agent, Requirement = s.Policy.Requirement, Status = StepStatus.Pending })];
        Emit(WorkflowEvents.Plan, new PlanEvent(
            state.WorkflowId,
            result.Planner,
            result.Classification.Class,
            result.Classification.Rule,
            result.Classification.Explanation,
            result.Plan.Rationale,
            result.Plan.Estimate,
            result.Routing,
            result.Plan.Steps,
            result.Warnings));
        await CommitAndLaunchAsync(DispatchReady(resumed: false));
    }

    private async Task OnStepFinishedAsync(StepFinished finished)
    {
        if (!TryTakeRun(finished.StepId, finished.Attempt, out var step))
        {
            return;
        }

        var state = _state!;
        step.Status = StepStatus.Completed;
        step.CompletedAt = _context.Time.GetUtcNow();
        step.DurationMs = Math.Round(finished.DurationMs, 3);
        step.Output = finished.Output;
        step.Summary = finished.Output.Summary;
        step.Error = null;
        _pendingResults.Add(step);
        step.IdempotencyKey = IdempotencyKey(step.Id, finished.Attempt);
        Emit(WorkflowEvents.StepCompleted, new StepCompletedEvent(
            step.Id, step.Agent, finished.Attempt, step.Fallback, step.DurationMs, finished.Output.Summary, finished.Output.Warnings));
        await AdvanceAsync(state);
    }

    private async Task OnStepFailedAsync(StepFailedReport failed)
    {
        if (!TryTakeRun(failed.StepId, failed.Attempt, out var step))
        {
            return;
        }

        var state = _state!;
        var agent = services.Catalog.TryGet(step.Agent, out var a) ? a : null;
        step.Error = failed.Error;
        step.DurationMs = Math.Round(failed.DurationMs, 3);
        string action;
        if (step.Requirement == StepRequirement.Optional)
        {
            action = "continue";
            step.Status = StepStatus.Failed;
            step.CompletedAt = _context.Time.GetUtcNow();
            state.Warnings.Add($"Optional step '{step.Id}' ({step.Agent}) failed: {failed.Error}. The answer may be incomplete.");
        }
        else if (agent?.Descriptor.HasFallback == true && !step.Fallback)
        {
            action = "fallback";
            step.Fallback = true;
            step.Status = StepStatus.Pending;
        }
        else
        {
            action = "fail";
            step.Status = StepStatus.Failed;
            step.CompletedAt = _context.Time.GetUtcNow();
        }

        Emit(WorkflowEvents.StepFailed, new StepFailedEvent(step.Id, step.Agent, failed.Attempt, failed.Error, failed.TimedOut, step.Requirement, action));
        if (action == "fail")
        {
            await FailAsync($"Step '{step.Id}' ({step.Agent}) failed: {failed.Error}", "step_failed", step);
            return;
        }

        await AdvanceAsync(state);
    }

    /// <summary>Starts what became ready, or completes the workflow when every step is done.</summary>
    private async Task AdvanceAsync(WorkflowState state)
    {
        var ready = DispatchReady(resumed: false);
        var finished = state.Steps.All(s => s.Status is StepStatus.Completed or StepStatus.Rejected or StepStatus.Skipped || (s.Status == StepStatus.Failed && s.Requirement == StepRequirement.Optional));
        if (finished)
        {
            Complete(state);
            await RecordOutcomeAsync(state);
            await CommitAsync();
            await EndAsync();
            return;
        }

        await CommitAndLaunchAsync(ready);
    }

    /// <summary>
    /// Starts <paramref name="ready"/> and commits the transition that made them ready, both at once: the steps' work
    /// overlaps the write. Still, no completion is recorded on a result that is not durable: a step reports back by
    /// message, handled in a later turn, after this commit. If the process dies before the commit, the step that just
    /// finished was never recorded as completed, so it runs again with its dependents (at-least-once, as any step in
    /// flight). If the commit fails, the steps are cancelled.
    /// </summary>
    private async Task CommitAndLaunchAsync(List<StepState> ready)
    {
        Launch(ready);
        try
        {
            await CommitAsync();
        }
        catch
        {
            foreach (var step in ready)
            {
                if (_running.Remove(step.Id, out var run))
                {
                    run.Cancel();
                    run.Dispose();
                }
            }

            throw;
        }
    }

    /// <summary>
    /// Records the answer's citation support against the workflow's prompt versions before the completion commits, so
    /// it is durable once <c>done</c> is visible (a restart that completes again rewrites the same rows). A failure
    /// costs the metric, not the answer: it is logged.
    /// </summary>
    private async Task RecordOutcomeAsync(WorkflowState state)
    {
        if (services.Quality is not { } quality)
        {
            return;
        }

        try
        {
            await quality.RecordOutcomeAsync(state);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            services.Logger.LogWarning(ex, "Workflow {WorkflowId}: could not record the answer outcome for prompt metrics.", state.WorkflowId);
        }
    }

    private void Complete(WorkflowState state)
    {
        var ordered = PlanValidator.TopologicalOrder(state.Plan!);
        var final = ordered.Select(p => state.FindStep(p.Id)!).LastOrDefault(s => s.Status == StepStatus.Completed && s.Output?.Answer is not null);
        var draft = final?.Output!.Answer ?? new AnswerDraft(Synthesis.ExtractiveSynthesizer.DeclineText, AnswerMode.Extractive);
        var warnings = state.Warnings
            .Concat(ordered.Select(p => state.FindStep(p.Id)!).Where(s => s.Output is not null).SelectMany(s => s.Output!.Warnings))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        // Only document answers cite; a reasoning step's answer (conversation, tools) has nothing to verify.
        if (draft.Citations is null && final?.Agent != AgentNames.Reasoning && draft.Mode != AnswerMode.Reasoning && !draft.Text.Equals(Synthesis.ExtractiveSynthesizer.DeclineText, StringComparison.Ordinal))
        {
            warnings.Add("The answer's citations were not verified.");
        }

        draft = WithRejections(draft, final is null, warnings);

        var answer = new WorkflowAnswer(state.WorkflowId, draft.Text, draft.Citations ?? [], warnings, draft.Mode, draft.CitationSupportRate)
        {
            Declined = draft.Declined,
            Confidence = draft.Confidence ?? (draft.Mode == AnswerMode.Reasoning ? 100 : 0),
            FollowUps = draft.FollowUps,
        };
        state.Answer = answer;
        state.Status = WorkflowStatus.Completed;
        state.CompletedAt = _context.Time.GetUtcNow();
        Emit(WorkflowEvents.Citations, new CitationsEvent(state.WorkflowId, answer.Citations, answer.CitationSupportRate));
        Emit(WorkflowEvents.Usage, new UsageEvent(
            state.WorkflowId,
            Math.Round((state.CompletedAt.Value - state.CreatedAt).TotalMilliseconds, 3),
            state.Plan!.Estimate,
            [.. state.Steps.Select(s => new StepUsage(s.Id, s.Agent, s.Status, s.Attempts, s.Fallback, s.DurationMs))]));
        Emit(WorkflowEvents.Done, new DoneEvent(
            answer.Answer,
            answer.Citations,
            answer.Warnings,
            answer.WorkflowId,
            answer.Mode,
            answer.CitationSupportRate,
            answer.Confidence,
            answer.Declined,
            answer.FollowUps));
    }

    private Task FailAsync(string reason, string code, StepState? step) =>
        EndWithoutAnswerAsync(WorkflowStatus.Failed, reason, $"The workflow failed: {reason}",
            new ErrorEvent(_state!.WorkflowId, code, reason, step?.Id, step?.Agent));

    private async Task<bool> CancelAsync(string reason)
    {
        var state = _state;
        if (state is null || state.IsTerminal)
        {
            return false;
        }

        await EndWithoutAnswerAsync(WorkflowStatus.Cancelled, reason, $"The workflow was cancelled: {reason}",
            new ErrorEvent(state.WorkflowId, "cancelled", reason));
        return true;
    }

    /// <summary>Ends the workflow without an answer: the unfinished steps are cancelled, open approvals closed, and the <c>error</c> event committed.</summary>
    private async Task EndWithoutAnswerAsync(WorkflowStatus status, string reason, string approvalReason, ErrorEvent errorEvent)
    {
        var state = _state!;
        if (_cancellation is not null)
        {
            await _cancellation.CancelAsync();
        }

        foreach (var step in state.Steps.Where(s => s.Status is StepStatus.Running or StepStatus.Pending or StepStatus.AwaitingApproval))
        {
            step.Status = StepStatus.Cancelled;
        }

        CloseOpenApprovals(approvalReason);
        DisposeRuns();
        state.Status = status;
        state.Error = reason;
        state.CompletedAt = _context.Time.GetUtcNow();
        Emit(WorkflowEvents.Error, errorEvent);
        await CommitAsync();
        await EndAsync();
    }

    private async Task EndAsync()
    {
        await _context.RemoveReminderAsync(ResumeReminder);
        _cancellation?.Dispose();
        _cancellation = null;
        _context.Deactivate();
    }

    /// <summary>Marks every pending step whose dependencies are satisfied as running and queues its <c>step.started</c>.</summary>
    private List<StepState> DispatchReady(bool resumed)
    {
        var state = _state!;
        var ready = new List<StepState>();
        foreach (var planStep in PlanValidator.TopologicalOrder(state.Plan!))
        {
            var step = state.FindStep(planStep.Id)!;
            if (step.Status != StepStatus.Pending || !planStep.DependsOn.All(d => IsSatisfied(state.FindStep(d)!)))
            {
                continue;
            }

            if (HoldForApproval(step, planStep))
            {
                continue;
            }

            step.Status = StepStatus.Running;
            step.Attempts++;
            step.StartedAt = _context.Time.GetUtcNow();
            ready.Add(step);
            Emit(WorkflowEvents.StepStarted, new StepStartedEvent(step.Id, step.Agent, step.Attempts, step.Fallback, resumed, planStep.DependsOn));

            // A re-run starts its answer over: what an earlier run streamed is void. After a restart of the process it is
            // not known whether the interrupted run streamed, so a resumed re-run always says so.
            if (step.Attempts > 1 && (resumed || _streamed.Remove(step.Id)))
            {
                var why = resumed ? "The step runs again after a restart" : step.Fallback ? "The step failed; its fallback runs" : "The step runs again";
                Emit(WorkflowEvents.TokenReset, TokenReset(step, step.Attempts, TokenResetCause.Restart, $"{why} (attempt {step.Attempts.ToString(CultureInfo.InvariantCulture)})."));
            }
        }

        return ready;
    }

    private static bool IsSatisfied(StepState dependency) =>
        dependency.Status == StepStatus.Completed || (dependency.Status == StepStatus.Failed && dependency.Requirement == StepRequirement.Optional);

    /// <summary>Starts the steps outside the turn; each reports back with a message.</summary>
    private void Launch(List<StepState> steps)
    {
        var state = _state!;
        foreach (var step in steps)
        {
            var planStep = state.Plan!.Find(step.Id)!;
            var agent = services.Catalog.Get(step.Agent);
            var pipeline = services.Resilience.For(step.Agent);
            var attempt = step.Attempts;
            var dependencies = planStep.DependsOn
                .Select(d => state.FindStep(d)!)
                .Where(d => d.Status == StepStatus.Completed)
                .Select(d => new StepDependency(d.Id, d.Agent, d.Output!))
                .ToList();
            var timeoutMs = planStep.Policy.TimeoutMs;
            var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(timeoutMs), _context.Time);
            var linked = CancellationTokenSource.CreateLinkedTokenSource(_cancellation!.Token, _context.HostStopping, timeout.Token);
            _running[step.Id] = new RunningStep(attempt, linked, timeout);
            var stepContext = new StepContext
            {
                TenantId = state.TenantId,
                WorkflowId = state.WorkflowId,
                SessionId = state.SessionId,
                StepId = step.Id,
                Routing = state.Routing,
                Query = state.Query,
                Mode = state.Mode,
                Filters = state.Filters,
                Inputs = InputsOf(planStep),
                Dependencies = dependencies,
                Events = new StepEvents(_context, step.Id, attempt),
                Attempt = attempt,
                IsFallback = step.Fallback,
            };
            var context = _context;
            var time = _context.Time;
            var workflowToken = _cancellation.Token;
            var stopping = _context.HostStopping;
            var token = linked.Token;
            var traceParent = state.TraceParent;
            _ = Task.Run(async () =>
            {
                var started = time.GetTimestamp();
                // The step's span is the parent of what the agent does (searches, model and tool calls).
                using var span = WorkflowTelemetry.StartSpan("workflow.step " + step.Agent, traceParent, stepContext.WorkflowId);
                span?.SetTag("agentrag.step.id", stepContext.StepId);
                span?.SetTag("agentrag.agent", step.Agent);
                span?.SetTag("agentrag.step.attempt", attempt);
                try
                {
                    // Transient failures are retried inside the run (same attempt); WaitAsync enforces the timeout even
                    // against an agent that ignores its token.
                    var output = await pipeline.ExecuteAsync(async ct => await agent.ExecuteAsync(stepContext, ct), token).AsTask().WaitAsync(token);
                    WorkflowTelemetry.RecordStep(stepContext.TenantId, step.Agent, "completed", time.GetElapsedTime(started));
                    context.Post(new StepFinished(stepContext.StepId, attempt, output, time.GetElapsedTime(started).TotalMilliseconds));
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    if (!workflowToken.IsCancellationRequested && !stopping.IsCancellationRequested)
                    {
                        span?.SetStatus(ActivityStatusCode.Error, "timed out");
                        WorkflowTelemetry.RecordStep(stepContext.TenantId, step.Agent, "timed_out", time.GetElapsedTime(started));
                        context.Post(new StepFailedReport(stepContext.StepId, attempt,
                            $"timed out after {timeoutMs.ToString(CultureInfo.InvariantCulture)} ms", TimedOut: true, time.GetElapsedTime(started).TotalMilliseconds));
                    }
                }
                catch (Exception ex)
                {
                    span?.SetStatus(ActivityStatusCode.Error, ex.Message);
                    WorkflowTelemetry.RecordStep(stepContext.TenantId, step.Agent, "failed", time.GetElapsedTime(started));
                    context.Post(new StepFailedReport(stepContext.StepId, attempt, ex.Message, TimedOut: false, time.GetElapsedTime(started).TotalMilliseconds));
                }
            }, CancellationToken.None);
        }
    }

    private bool IsCurrent(string stepId, int attempt, out StepState step)
    {
        step = _state!.FindStep(stepId)!;
        return step is { Status: StepStatus.Running } && step.Attempts == attempt && _running.TryGetValue(stepId, out var run) && run.Attempt == attempt;
    }

    /// <summary>Accepts a run's report once: only from the run in flight, which it then removes.</summary>
    private bool TryTakeRun(string stepId, int attempt, out StepState step)
    {
        if (!IsCurrent(stepId, attempt, out step))
        {
            return false;
        }

        if (_running.Remove(stepId, out var run))
        {
            run.Dispose();
        }

        return true;
    }

    private void DisposeRuns()
    {
        foreach (var run in _running.Values)
        {
            run.Cancel();
            run.Dispose();
        }

        _running.Clear();
    }

    private string IdempotencyKey(string stepId, int attempt) =>
        $"{_state!.WorkflowId}:{stepId}:{attempt.ToString(CultureInfo.InvariantCulture)}";

    private void Emit(string type, WorkflowEventData data) => _pendingEvents.Add((type, data));

    private static TokenResetEvent TokenReset(StepState step, int attempt, TokenResetCause cause, string reason) =>
        new(step.Id, step.Agent, attempt, cause, reason);

    /// <summary>Persists the state and appends the queued events; returns once both are durable.</summary>
    private async Task CommitAsync()
    {
        var state = _state!;
        using var span = WorkflowTelemetry.StartSpan("workflow.commit", state.TraceParent, state.WorkflowId);
        await CommitCoreAsync(state);
        span?.SetTag("agentrag.workflow.revision", state.Revision);
        span?.SetTag("agentrag.workflow.status", state.Status.ToString());
        WorkflowTelemetry.Track(_context.Id.ToString(), state);
        if (state.IsTerminal && state.CompletedAt is { } completedAt)
        {
            WorkflowTelemetry.RecordQuery(state.TenantId, state.Status, completedAt - state.CreatedAt);
        }
    }

    private async Task CommitCoreAsync(WorkflowState state)
    {
        state.Revision++;
        state.UpdatedAt = _context.Time.GetUtcNow();
        await PersistApprovalsAsync();
        // A result is written once, with the transition that records it; the state document stays small.
        var writes = _pendingResults.Select(s => _context.WriteStateAsync(ResultKey(s.Id), s.Output)).Append(_context.WriteStateAsync(StateKey, state)).ToList();
        _pendingResults.Clear();
        if (state.IsTerminal)
        {
            // Events reach live subscribers before they commit (ADR 0004); a client that saw the last event must read
            // the final state, so that state is durable first.
            await Task.WhenAll(writes);
        }

        var streamId = WorkflowEvents.StreamId(state.WorkflowId);
        for (var i = 0; i < _pendingEvents.Count; i++)
        {
            var (type, data) = _pendingEvents[i];
            // Appends are numbered in call order; waiting for the last one's commit covers the earlier ones (FIFO writer).
            await services.EventLog.AppendAsync(state.TenantId, streamId, type, WorkflowEventJson.Serialize(data),
                waitForCommit: i == _pendingEvents.Count - 1);
        }

        _pendingEvents.Clear();
        await Task.WhenAll(writes);
        await PublishApprovalsAsync();
    }

    private Task AppendLooseAsync(string type, WorkflowEventData data) =>
        services.EventLog.AppendAsync(_state!.TenantId, WorkflowEvents.StreamId(_state.WorkflowId), type,
            WorkflowEventJson.Serialize(data), waitForCommit: false);

    private sealed class RunningStep(int attempt, CancellationTokenSource linked, CancellationTokenSource timeout) : IDisposable
    {
        public int Attempt { get; } = attempt;

        public void Cancel() => linked.Cancel();

        public void Dispose()
        {
            linked.Dispose();
            timeout.Dispose();
        }
    }

    /// <summary>A step run's event channel: posts to the actor, which appends (the actor stays the stream's single writer).</summary>
    private sealed class StepEvents(IActorContext context, string stepId, int attempt) : IStepEvents
    {
        public void Progress(string message) => context.Post(new StepProgressReport(stepId, attempt, message));

        public void Token(string text)
        {
            if (!string.IsNullOrEmpty(text))
            {
                context.Post(new StepTokenReport(stepId, attempt, text));
            }
        }

        public void ResetTokens(string reason, TokenResetCause cause = TokenResetCause.Restart) => context.Post(new StepTokenResetReport(stepId, attempt, reason, cause));

        public void Warning(string kind, string message) => context.Post(new StepProgressReport(stepId, attempt, message, WarningKind: kind));

        public void ToolCall(string tool, string arguments, string resultSummary) => context.Post(new StepProgressReport(
            stepId, attempt, $"Called {tool}: {resultSummary}", Tool: new ToolCallProgress(tool, arguments, resultSummary)));
    }
}
