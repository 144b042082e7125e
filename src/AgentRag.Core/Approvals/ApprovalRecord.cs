using System.Text.Json;

namespace AgentRag.Core.Approvals;

/// <summary>Where an approval request is in its life. Only <see cref="Pending"/> and <see cref="Escalated"/> can be decided.</summary>
public enum ApprovalStatus
{
    /// <summary>Waiting for a person.</summary>
    Pending,

    /// <summary>Approved (as planned, or with modified inputs): the step ran or runs.</summary>
    Approved,

    /// <summary>Rejected by a person: the step and its dependents did not run.</summary>
    Rejected,

    /// <summary>Nobody decided in time and the tenant's policy auto-rejects: final, later decisions get 410.</summary>
    Expired,

    /// <summary>Nobody decided in time and the tenant's policy escalates: notified again and still decidable.</summary>
    Escalated,
}

/// <summary>What a decision did.</summary>
public enum ApprovalDecision
{
    /// <summary>Run the step as planned.</summary>
    Approve,

    /// <summary>Run the step with changed inputs.</summary>
    Modify,

    /// <summary>Do not run the step (nor what depends on it).</summary>
    Reject,

    /// <summary>The timeout rejected it (no person decided).</summary>
    Expire,
}

/// <summary>How much harm running the step could do, as shown to the approver.</summary>
public enum ApprovalRisk
{
    Low,
    Medium,
    High,
}

/// <summary>What happens when nobody decides before <see cref="ApprovalRecord.ExpiresAt"/>.</summary>
public enum ApprovalTimeoutPolicy
{
    /// <summary>The request becomes <see cref="ApprovalStatus.Expired"/> and the step is rejected.</summary>
    Reject,

    /// <summary>The request becomes <see cref="ApprovalStatus.Escalated"/>, is notified again, and stays decidable.</summary>
    Escalate,
}

/// <summary>
/// One request for a person's approval before a workflow step runs. Written by the workflow that owns it (its single
/// writer); the store keeps a queryable copy. Immutable: every transition is a new record.
/// </summary>
public sealed record ApprovalRecord
{
    /// <summary><c>apr_</c> and 16 base-32 characters.</summary>
    public required string Id { get; init; }

    public required string TenantId { get; init; }

    public required string WorkflowId { get; init; }

    public required string StepId { get; init; }

    /// <summary>The agent the step runs.</summary>
    public required string Agent { get; init; }

    /// <summary>Why the step needs approval (<c>side_effects</c>, <c>cost</c>, <c>before_answer</c>, <c>tenant_review</c>, <c>planner</c>).</summary>
    public required IReadOnlyList<string> Reasons { get; init; }

    /// <summary>What will happen when approved, in one sentence.</summary>
    public required string Action { get; init; }

    /// <summary>Why the workflow wants to do it.</summary>
    public required string Rationale { get; init; }

    /// <summary>What approving and rejecting each lead to.</summary>
    public required string Impact { get; init; }

    public ApprovalRisk Risk { get; init; }

    /// <summary>What the approver needs to decide: the query, the plan and the retrieved sources (JSON object).</summary>
    public JsonElement Context { get; init; }

    /// <summary>The step's inputs as planned (JSON object); a modification replaces some of them.</summary>
    public JsonElement Inputs { get; init; }

    /// <summary>The workflow's suggestion (<see cref="ApprovalDecision.Approve"/> or <see cref="ApprovalDecision.Reject"/>).</summary>
    public ApprovalDecision SuggestedDecision { get; init; }

    /// <summary>Why that suggestion.</summary>
    public string SuggestionReason { get; init; } = "";

    public ApprovalStatus Status { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the timeout policy applies (moved on at each escalation).</summary>
    public DateTimeOffset ExpiresAt { get; init; }

    public ApprovalTimeoutPolicy TimeoutPolicy { get; init; }

    /// <summary>How many times the request was escalated.</summary>
    public int Escalations { get; init; }

    public DateTimeOffset? EscalatedAt { get; init; }

    /// <summary>When <c>approval.expiring</c> was sent (once per request), if it was.</summary>
    public DateTimeOffset? ExpiringNotifiedAt { get; init; }

    /// <summary>The decision, once one was applied.</summary>
    public ApprovalResolution? Resolution { get; init; }

    /// <summary>How many changes the request has had: each change appends the audit entry with this sequence number.</summary>
    public int Revision { get; init; }

    /// <summary>True while a decision can still be applied.</summary>
    public bool IsOpen => Status is ApprovalStatus.Pending or ApprovalStatus.Escalated;
}

/// <summary>An applied decision.</summary>
/// <param name="Decision">What was decided.</param>
/// <param name="DecidedBy">The authenticated caller who decided (see <c>ApprovalDecisionRequest.DecidedBy</c>), or <c>system</c> for a timeout.</param>
/// <param name="DecidedAt">When it was applied.</param>
/// <param name="Comment">The approver's comment.</param>
/// <param name="Inputs">For <see cref="ApprovalDecision.Modify"/>: the inputs the step ran with.</param>
public sealed record ApprovalResolution(ApprovalDecision Decision, string DecidedBy, DateTimeOffset DecidedAt, string? Comment, JsonElement? Inputs);

/// <summary>What an audit entry records.</summary>
public enum ApprovalAuditAction
{
    Requested,
    Expiring,
    Escalated,
    Approved,
    Modified,
    Rejected,
    Expired,
}

/// <summary>
/// One line of an approval's audit trail: who did what, when, what they were shown, what they changed, and their
/// comment. Entries are append-only and retained when workflows are deleted.
/// </summary>
/// <param name="Sequence">1-based, gapless per approval.</param>
/// <param name="Actor">The person, or <c>system</c>.</param>
/// <param name="Status">The request's status after this entry.</param>
/// <param name="ContextShown">What the approver was shown (action, rationale, impact, risk, suggestion, context, inputs).</param>
/// <param name="Modifications">For a modification: the inputs that were changed, with their new values.</param>
public sealed record ApprovalAuditEntry(
    string TenantId,
    string ApprovalId,
    string WorkflowId,
    string StepId,
    int Sequence,
    DateTimeOffset At,
    string Actor,
    ApprovalAuditAction Action,
    ApprovalStatus Status,
    string? Comment,
    JsonElement? ContextShown,
    JsonElement? Modifications);
