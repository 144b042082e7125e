using System.Text.Json;
using AgentRag.Agents.Approvals;
using AgentRag.Agents.Planning;
using AgentRag.Agents.Plans;
using AgentRag.Core.Approvals;
using AgentRag.Core.Serialization;
using Microsoft.Extensions.Logging;

namespace AgentRag.Agents.Workflows;

/// <summary>Reconciling stored decisions after a restart changed steps: advance the workflow.</summary>
internal sealed record ApprovalsReconciled;

/// <summary>
/// The workflow actor's approval gates (see docs/adr/0009-approvals.md).
/// <list type="bullet">
/// <item><b>Pause.</b> When a step whose policy requires approval becomes ready, it is not started: it becomes
/// <c>awaiting_approval</c>, a request is built and stored, <c>approval.required</c> is emitted, and two durable
/// reminders are set (<c>approval.expiring</c> at <see cref="ApprovalOptions.ExpiringAt"/> of the timeout, and the
/// timeout). The request is durable before the event is published, so a client that sees the event can decide at once.</item>
/// <item><b>Resume.</b> A decision is a message to this actor; in one turn it is checked (final once applied, expired,
/// inputs against the agent's schema), recorded with its audit entry, announced (<c>approval.resolved</c>), and the
/// workflow advances: an approved step starts (with modified inputs for a modification); a rejected one is
/// <c>rejected</c>, its dependents <c>skipped</c>, and the answer says what was not done and why.</item>
/// <item><b>Timeouts</b> are reminder messages too, so a decision and a timeout are ordered by turns and exactly one
/// applies. Policy reject: the request expires and the step is rejected. Policy escalate: the request is escalated,
/// notified again, stays decidable, and expires after <see cref="ApprovalOptions.MaxEscalations"/> escalations.</item>
/// <item><b>Truth.</b> The approval store holds the requests (loaded at activation); the workflow state holds each gated
/// step's decision. After a crash between the two, <see cref="ReconcileApprovals"/> applies a stored decision the
/// state missed (announcing it again: at-least-once) and re-sets the timers of open requests.</item>
/// </list>
/// </summary>
public sealed partial class WorkflowActor
{
    private const string ExpiringReminderPrefix = "approval-expiring:";
    private const string TimeoutReminderPrefix = "approval-timeout:";

    /// <summary>This workflow's requests by step id (one per gated step), as stored.</summary>
    private readonly Dictionary<string, ApprovalRecord> _approvals = new(StringComparer.Ordinal);
    private readonly List<(ApprovalRecord Record, ApprovalAuditEntry Audit)> _approvalSaves = [];
    private readonly List<(string Name, DateTimeOffset? DueAt)> _approvalReminderChanges = [];
    private readonly List<(string Type, ApprovalRecord Record)> _approvalNotices = [];

    /// <summary>The approval services (policy, request builder, store, notifier).</summary>
    public required WorkflowApprovalServices Approvals { get; init; }

    /// <summary>Queues <c>approval.resolved</c> and emits the approval's wait span (from its request to now).</summary>
    private void EmitResolved(ApprovalRecord record)
    {
        Emit(WorkflowEvents.ApprovalResolved, ApprovalResolvedEvent.From(record));
        WorkflowTelemetry.RecordApprovalWait(record, _state!.TraceParent, _context.Time.GetUtcNow());
    }

    private static bool IsApprovalReminder(string name) =>
        name.StartsWith(ExpiringReminderPrefix, StringComparison.Ordinal) || name.StartsWith(TimeoutReminderPrefix, StringComparison.Ordinal);

    private async Task LoadApprovalsAsync(CancellationToken cancellationToken)
    {
        if (_state is not { ApprovalSteps.Count: > 0 } state)
        {
            return;
        }

        var page = await Approvals.Store.ListAsync(state.TenantId, new ApprovalQuery(WorkflowId: state.WorkflowId, Limit: PlanValidator.MaxSteps * 4), cancellationToken);
        foreach (var record in page.Items)
        {
            _approvals[record.StepId] = record;
        }
    }

    /// <summary>Sets the plan's approval gates (side effects, cost, before_answer, tenant review) and records why.</summary>
    private PlanningResult GateForApproval(PlanningResult result)
    {
        var state = _state!;
        var gates = Approvals.Policy.Apply(result.Plan, state.TenantId, state.Approval, services.ModelAvailable && state.Mode != QueryMode.Extractive);
        state.ApprovalSteps = gates.Reasons.Count == 0
            ? null
            : gates.Reasons.ToDictionary(g => g.Key, g => new StepApproval { Reasons = [.. g.Value] }, StringComparer.Ordinal);
        return result with { Plan = gates.Plan };
    }

    /// <summary>
    /// Called for a ready step: true when it must wait for a decision (it is then <c>awaiting_approval</c>), false when
    /// it may run (no gate, or approved).
    /// </summary>
    private bool HoldForApproval(StepState step, PlanStep planStep)
    {
        if (!planStep.Policy.RequiresApproval)
        {
            return false;
        }

        var state = _state!;
        var gate = GateOf(step.Id);
        if (gate.IsApproved)
        {
            return false;
        }

        if (_approvals.TryGetValue(step.Id, out var existing))
        {
            if (!existing.IsOpen)
            {
                // Decided before a crash that the step's state missed: apply the stored decision.
                EmitResolved(existing);
                return !ApplyDecision(step, gate, existing);
            }

            // Asked before a crash that the step's state missed: ask again under the same id.
            gate.ApprovalId = existing.Id;
            step.Status = StepStatus.AwaitingApproval;
            Emit(WorkflowEvents.ApprovalRequired, ApprovalRequestEvent.From(existing));
            ArmApprovalReminders(existing);
            return true;
        }

        var record = Approvals.Requests.Build(new ApprovalRequestInput(
            state.TenantId, state.WorkflowId, state.Query, state.Plan!, planStep, gate.Reasons, CompletedDependencies(planStep), _context.Time.GetUtcNow()));
        gate.ApprovalId = record.Id;
        step.Status = StepStatus.AwaitingApproval;
        StageApproval(record, ApprovalAuditAction.Requested, ApprovalService.SystemUser, comment: null, ApprovalRequestBuilder.ContextShown(record), modifications: null);
        Emit(WorkflowEvents.ApprovalRequired, ApprovalRequestEvent.From(record));
        _approvalNotices.Add((ApprovalEvents.Required, record));
        ArmApprovalReminders(record);
        services.Logger.LogInformation("Workflow {WorkflowId} waits for approval {ApprovalId} of step {StepId}.", state.WorkflowId, record.Id, step.Id);
        return true;
    }

    private async Task<ApprovalDecisionResult> DecideApprovalAsync(DecideApproval decide)
    {
        var state = _state;
        var record = _approvals.Values.FirstOrDefault(r => r.Id == decide.ApprovalId);
        if (state is null || record is null)
        {
            if (state is null)
            {
                _context.Deactivate();
            }

            return ApprovalDecisionResult.Of(ApprovalDecisionOutcome.NotFound, null);
        }

        if (record.Status == ApprovalStatus.Expired)
        {
            return ApprovalDecisionResult.Of(ApprovalDecisionOutcome.Expired, record);
        }

        if (!record.IsOpen || state.IsTerminal)
        {
            return ApprovalDecisionResult.Of(ApprovalDecisionOutcome.AlreadyDecided, record);
        }

        var request = decide.Request;
        var step = state.FindStep(record.StepId)!;
        var planStep = state.Plan!.Find(step.Id)!;
        Dictionary<string, JsonElement>? inputs = null;
        if (request.Decision == ApprovalDecision.Modify)
        {
            inputs = Merge(planStep.Inputs, request.Inputs!);
            var errors = services.Catalog.Get(step.Agent).Descriptor.Inputs.ValidateFields(inputs);
            if (errors.Count > 0)
            {
                return new ApprovalDecisionResult(ApprovalDecisionOutcome.InvalidInputs, record, errors
                    .GroupBy(e => "inputs." + e.Field, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.Select(e => $"{char.ToUpperInvariant(e.Message[0])}{e.Message[1..]}.").ToArray(), StringComparer.Ordinal));
            }
        }

        if (!_live)
        {
            await ResumeAsync(); // After a restart: bring the workflow back before it goes on.
        }

        var decided = record with
        {
            Status = request.Decision == ApprovalDecision.Reject ? ApprovalStatus.Rejected : ApprovalStatus.Approved,
            Resolution = new ApprovalResolution(request.Decision, request.DecidedBy, _context.Time.GetUtcNow(), request.Comment,
                inputs is null ? null : JsonSerializer.SerializeToElement(inputs, AgentRagJson.Options)),
            Revision = record.Revision + 1,
        };
        var action = request.Decision switch
        {
            ApprovalDecision.Approve => ApprovalAuditAction.Approved,
            ApprovalDecision.Modify => ApprovalAuditAction.Modified,
            _ => ApprovalAuditAction.Rejected,
        };
        StageApproval(decided, action, request.DecidedBy, request.Comment, ApprovalRequestBuilder.ContextShown(record),
            request.Inputs is null ? null : JsonSerializer.SerializeToElement(request.Inputs, AgentRagJson.Options));
        DisarmApprovalReminders(record.Id);
        EmitResolved(decided);
        _approvalNotices.Add((ApprovalEvents.Resolved, decided));
        ApplyDecision(step, GateOf(step.Id), decided);
        await AdvanceAsync(state);
        return ApprovalDecisionResult.Of(ApprovalDecisionOutcome.Applied, decided);
    }

    private async Task OnApprovalReminderAsync(string name)
    {
        var expiring = name.StartsWith(ExpiringReminderPrefix, StringComparison.Ordinal);
        var approvalId = name[(expiring ? ExpiringReminderPrefix : TimeoutReminderPrefix).Length..];
        var state = _state;
        var record = _approvals.Values.FirstOrDefault(r => r.Id == approvalId);
        if (state is null || state.IsTerminal || record is not { IsOpen: true })
        {
            return; // Decided first: a timeout that lost the race does nothing.
        }

        var now = _context.Time.GetUtcNow();
        if (!_live)
        {
            await ResumeAsync();
        }

        if (expiring)
        {
            if (record.Status != ApprovalStatus.Pending || record.ExpiringNotifiedAt is not null)
            {
                return;
            }

            var warned = record with { ExpiringNotifiedAt = now, Revision = record.Revision + 1 };
            StageApproval(warned, ApprovalAuditAction.Expiring, ApprovalService.SystemUser, $"No decision yet; the request times out at {record.ExpiresAt:u}.", null, null);
            Emit(WorkflowEvents.ApprovalExpiring, ApprovalRequestEvent.From(warned));
            _approvalNotices.Add((ApprovalEvents.Expiring, warned));
            await CommitAsync();
            return;
        }

        if (now < record.ExpiresAt)
        {
            ArmApprovalReminders(record); // A timer of an earlier deadline: wait for the current one.
            await CommitAsync();
            return;
        }

        var settings = Approvals.Options.For(state.TenantId);
        if (record.TimeoutPolicy == ApprovalTimeoutPolicy.Escalate && record.Escalations < settings.MaxEscalations)
        {
            var escalated = record with
            {
                Status = ApprovalStatus.Escalated,
                Escalations = record.Escalations + 1,
                EscalatedAt = now,
                ExpiresAt = now + settings.EscalationInterval,
                Revision = record.Revision + 1,
            };
            StageApproval(escalated, ApprovalAuditAction.Escalated, ApprovalService.SystemUser,
                $"No decision by {record.ExpiresAt:u}: escalation {escalated.Escalations} of {settings.MaxEscalations}; the next deadline is {escalated.ExpiresAt:u}.", null, null);
            Emit(WorkflowEvents.ApprovalEscalated, ApprovalRequestEvent.From(escalated));
            _approvalNotices.Add((ApprovalEvents.Escalated, escalated));
            ArmApprovalReminders(escalated);
            await CommitAsync();
            return;
        }

        var reason = record.Escalations > 0
            ? $"No decision after {record.Escalations} escalation(s); the request expired at {record.ExpiresAt:u}."
            : $"No decision by {record.ExpiresAt:u}; the request expired and the step was not run.";
        var expired = record with
        {
            Status = ApprovalStatus.Expired,
            Resolution = new ApprovalResolution(ApprovalDecision.Expire, ApprovalService.SystemUser, now, reason, null),
            Revision = record.Revision + 1,
        };
        StageApproval(expired, ApprovalAuditAction.Expired, ApprovalService.SystemUser, reason, null, null);
        DisarmApprovalReminders(record.Id);
        EmitResolved(expired);
        _approvalNotices.Add((ApprovalEvents.Resolved, expired));
        var step = state.FindStep(record.StepId)!;
        ApplyDecision(step, GateOf(step.Id), expired);
        await AdvanceAsync(state);
    }

    /// <summary>
    /// Applies a closed request's decision to its step. Approved or modified: the step is pending again and may run
    /// (returns true). Rejected or expired: the step is <c>rejected</c> and every step depending on it <c>skipped</c>.
    /// </summary>
    private bool ApplyDecision(StepState step, StepApproval gate, ApprovalRecord record)
    {
        var resolution = record.Resolution!;
        gate.ApprovalId = record.Id;
        gate.Decision = resolution.Decision;
        gate.DecidedBy = resolution.DecidedBy;
        gate.Comment = resolution.Comment;
        if (gate.IsApproved)
        {
            gate.Inputs = resolution.Decision == ApprovalDecision.Modify && resolution.Inputs is { ValueKind: JsonValueKind.Object } modified
                ? modified.Deserialize<Dictionary<string, JsonElement>>(AgentRagJson.Options)
                : null;
            step.Status = StepStatus.Pending;
            return true;
        }

        var state = _state!;
        var now = _context.Time.GetUtcNow();
        step.Status = StepStatus.Rejected;
        step.CompletedAt = now;
        step.Error = resolution.Decision == ApprovalDecision.Expire
            ? $"Not approved in time: {resolution.Comment}"
            : $"Rejected by {resolution.DecidedBy}{(string.IsNullOrWhiteSpace(resolution.Comment) ? "" : $": {resolution.Comment}")}";
        foreach (var dependent in ApprovalRequestBuilder.Dependents(state.Plan!, step.Id))
        {
            var dependentState = state.FindStep(dependent.Id)!;
            if (dependentState.Status is StepStatus.Pending or StepStatus.AwaitingApproval)
            {
                dependentState.Status = StepStatus.Skipped;
                dependentState.CompletedAt = now;
                dependentState.Error = $"Skipped: step '{step.Id}' did not run ({step.Error}).";
            }
        }

        return false;
    }

    /// <summary>After a restart: apply stored decisions the state missed and re-set the timers of open requests.</summary>
    private void ReconcileApprovals()
    {
        var state = _state!;
        if (state.ApprovalSteps is null)
        {
            return;
        }

        var changed = false;
        foreach (var (stepId, gate) in state.ApprovalSteps)
        {
            if (!_approvals.TryGetValue(stepId, out var record) || state.FindStep(stepId) is not { } step)
            {
                continue;
            }

            if (record.IsOpen)
            {
                if (step.Status == StepStatus.AwaitingApproval)
                {
                    ArmApprovalReminders(record);
                }
            }
            else if (gate.Decision is null && step.Status is StepStatus.AwaitingApproval or StepStatus.Pending)
            {
                EmitResolved(record);
                ApplyDecision(step, gate, record);
                changed = true;
            }
        }

        if (changed)
        {
            _context.Post(new ApprovalsReconciled());
        }
    }

    /// <summary>When the workflow fails or is cancelled, its open requests are closed as rejected by the system.</summary>
    private void CloseOpenApprovals(string reason)
    {
        var now = _context.Time.GetUtcNow();
        foreach (var record in _approvals.Values.Where(r => r.IsOpen).ToList())
        {
            var closed = record with
            {
                Status = ApprovalStatus.Rejected,
                Resolution = new ApprovalResolution(ApprovalDecision.Reject, ApprovalService.SystemUser, now, reason, null),
                Revision = record.Revision + 1,
            };
            StageApproval(closed, ApprovalAuditAction.Rejected, ApprovalService.SystemUser, reason, null, null);
            DisarmApprovalReminders(record.Id);
            EmitResolved(closed);
            _approvalNotices.Add((ApprovalEvents.Resolved, closed));
            var gate = GateOf(record.StepId);
            gate.Decision = ApprovalDecision.Reject;
            gate.DecidedBy = ApprovalService.SystemUser;
            gate.Comment = reason;
        }
    }

    /// <summary>The answer of a workflow in which steps were rejected: says what was not done and why.</summary>
    private AnswerDraft WithRejections(AnswerDraft draft, bool noAnswer, List<string> warnings)
    {
        var state = _state!;
        var rejected = state.Steps.Where(s => s.Status == StepStatus.Rejected).ToList();
        if (rejected.Count == 0)
        {
            return draft;
        }

        var sentences = rejected.Select(step =>
        {
            var action = _approvals.TryGetValue(step.Id, out var record) ? record.Action.TrimEnd('.') : $"Run step '{step.Id}'";
            var gate = GateOf(step.Id);
            var why = gate.Decision == ApprovalDecision.Expire
                ? $"nobody approved it in time ({gate.Comment})"
                : $"{gate.DecidedBy} rejected it{(string.IsNullOrWhiteSpace(gate.Comment) ? "." : $": “{gate.Comment}”.")}";
            var skipped = ApprovalRequestBuilder.Dependents(state.Plan!, step.Id).Where(d => state.FindStep(d.Id)!.Status == StepStatus.Skipped).ToList();
            var skippedText = skipped.Count == 0 ? "" : $" Not run as a result: {string.Join(", ", skipped.Select(d => $"'{d.Id}' ({d.Agent})"))}.";
            return $"Not done: {action} (step '{step.Id}'), because {why.TrimEnd('.')}.{skippedText}";
        });
        var notice = string.Join(" ", sentences);
        warnings.Add(notice);
        return noAnswer ? new AnswerDraft(notice, AnswerMode.Reasoning) : draft with { Text = $"{draft.Text}\n\n{notice}" };
    }

    /// <summary>The inputs a step runs with: the planned ones, or the approver's modification.</summary>
    private IReadOnlyDictionary<string, JsonElement> InputsOf(PlanStep planStep) =>
        _state!.ApprovalSteps?.GetValueOrDefault(planStep.Id)?.Inputs is { } modified ? modified : planStep.Inputs;

    private List<StepDependency> CompletedDependencies(PlanStep planStep)
    {
        var state = _state!;
        return [.. planStep.DependsOn
            .Select(d => state.FindStep(d)!)
            .Where(d => d.Status == StepStatus.Completed && d.Output is not null)
            .Select(d => new StepDependency(d.Id, d.Agent, d.Output!))];
    }

    private StepApproval GateOf(string stepId)
    {
        var state = _state!;
        state.ApprovalSteps ??= new Dictionary<string, StepApproval>(StringComparer.Ordinal);
        if (!state.ApprovalSteps.TryGetValue(stepId, out var gate))
        {
            gate = new StepApproval { Reasons = [ApprovalReasons.Planner] };
            state.ApprovalSteps[stepId] = gate;
        }

        return gate;
    }

    private static Dictionary<string, JsonElement> Merge(IReadOnlyDictionary<string, JsonElement> planned, IReadOnlyDictionary<string, JsonElement> changes)
    {
        var merged = new Dictionary<string, JsonElement>(planned, StringComparer.Ordinal);
        foreach (var (name, value) in changes)
        {
            if (value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            {
                merged.Remove(name); // null removes an input
            }
            else
            {
                merged[name] = value.Clone();
            }
        }

        return merged;
    }

    private void StageApproval(ApprovalRecord record, ApprovalAuditAction action, string actor, string? comment, JsonElement? contextShown, JsonElement? modifications)
    {
        _approvals[record.StepId] = record;
        _approvalSaves.Add((record, new ApprovalAuditEntry(
            record.TenantId, record.Id, record.WorkflowId, record.StepId, record.Revision, _context.Time.GetUtcNow(),
            actor, action, record.Status, comment, contextShown, modifications)));
    }

    private void ArmApprovalReminders(ApprovalRecord record)
    {
        _approvalReminderChanges.Add((TimeoutReminderPrefix + record.Id, record.ExpiresAt));
        if (record.Status == ApprovalStatus.Pending && record.ExpiringNotifiedAt is null)
        {
            var fraction = Approvals.Options.For(record.TenantId).ExpiringAt;
            _approvalReminderChanges.Add((ExpiringReminderPrefix + record.Id, record.CreatedAt + ((record.ExpiresAt - record.CreatedAt) * fraction)));
        }
    }

    private void DisarmApprovalReminders(string approvalId)
    {
        _approvalReminderChanges.Add((ExpiringReminderPrefix + approvalId, null));
        _approvalReminderChanges.Add((TimeoutReminderPrefix + approvalId, null));
    }

    /// <summary>
    /// Part of every commit, before the workflow's events are appended: sets the waiting status, and makes the turn's
    /// request changes (with their audit entries), timers and the state durable, so a published <c>approval.required</c>
    /// can be decided at once and the workflow's status already says <c>awaiting_approval</c>.
    /// </summary>
    private async Task PersistApprovalsAsync()
    {
        var state = _state!;
        if (state.Status is WorkflowStatus.Running or WorkflowStatus.AwaitingApproval)
        {
            state.Status = state.Steps.Any(s => s.Status == StepStatus.AwaitingApproval) && !state.Steps.Any(s => s.Status == StepStatus.Running)
                ? WorkflowStatus.AwaitingApproval
                : WorkflowStatus.Running;
        }

        if (_approvalSaves.Count == 0 && _approvalReminderChanges.Count == 0)
        {
            return;
        }

        var now = _context.Time.GetUtcNow();
        var work = new List<Task>();
        if (_approvalSaves.Count > 0)
        {
            // The state (with the results it refers to) is durable before approval.required or approval.resolved is
            // published, so a client that sees one reads the matching status. The commit writes both again.
            work.AddRange(_pendingResults.Select(s => _context.WriteStateAsync(ResultKey(s.Id), s.Output)));
            work.Add(_context.WriteStateAsync(StateKey, state));
        }

        foreach (var changes in _approvalSaves.GroupBy(s => s.Record.Id, StringComparer.Ordinal))
        {
            work.Add(Approvals.Store.SaveAsync(changes.Last().Record, [.. changes.Select(c => c.Audit)]));
        }

        // The last change of each timer wins (a turn may disarm and re-arm one).
        foreach (var (name, dueAt) in _approvalReminderChanges.GroupBy(c => c.Name, StringComparer.Ordinal).Select(g => g.Last()))
        {
            work.Add(dueAt is { } due
                ? _context.SetReminderAsync(name, due > now ? due - now : TimeSpan.Zero)
                : _context.RemoveReminderAsync(name));
        }

        _approvalSaves.Clear();
        _approvalReminderChanges.Clear();
        await Task.WhenAll(work);
    }

    /// <summary>Part of every commit, after it: the tenant stream and webhooks (never blocking, never failing the turn).</summary>
    private async Task PublishApprovalsAsync()
    {
        if (_approvalNotices.Count == 0)
        {
            return;
        }

        var notices = _approvalNotices.ToList();
        _approvalNotices.Clear();
        foreach (var (type, record) in notices)
        {
            try
            {
                await Approvals.Notifier.PublishAsync(type, record, type == ApprovalEvents.Resolved ? ApprovalResolvedEvent.From(record) : ApprovalRequestEvent.From(record));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                services.Logger.LogError(ex, "Could not notify {EventType} for approval {ApprovalId}.", type, record.Id);
            }
        }
    }
}
