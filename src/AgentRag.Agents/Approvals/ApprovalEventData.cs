using System.Text.Json;
using AgentRag.Agents.Workflows;
using AgentRag.Core.Approvals;

namespace AgentRag.Agents.Approvals;

/// <summary>
/// <c>approval.required</c>, <c>approval.expiring</c> and <c>approval.escalated</c>: the request without its context
/// (GET <paramref name="Url"/> for that). The same on the workflow stream, the tenant stream and webhooks.
/// </summary>
public sealed record ApprovalRequestEvent(
    string ApprovalId,
    string WorkflowId,
    string StepId,
    string Agent,
    ApprovalStatus Status,
    IReadOnlyList<string> Reasons,
    string Action,
    string Rationale,
    string Impact,
    ApprovalRisk Risk,
    ApprovalDecision SuggestedDecision,
    string SuggestionReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    ApprovalTimeoutPolicy TimeoutPolicy,
    int Escalations,
    string Url) : WorkflowEventData
{
    /// <summary>The event data of <paramref name="record"/>.</summary>
    public static ApprovalRequestEvent From(ApprovalRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new(record.Id, record.WorkflowId, record.StepId, record.Agent, record.Status, record.Reasons, record.Action, record.Rationale,
            record.Impact, record.Risk, record.SuggestedDecision, record.SuggestionReason, record.CreatedAt, record.ExpiresAt, record.TimeoutPolicy,
            record.Escalations, $"/v1/approvals/{record.Id}");
    }
}

/// <summary><c>approval.resolved</c>: the decision (approved, modified, rejected, expired), the same on every channel.</summary>
public sealed record ApprovalResolvedEvent(
    string ApprovalId,
    string WorkflowId,
    string StepId,
    string Agent,
    ApprovalStatus Status,
    ApprovalDecision? Decision,
    string? DecidedBy,
    DateTimeOffset? DecidedAt,
    string? Comment,
    JsonElement? Inputs) : WorkflowEventData
{
    /// <summary>The event data of <paramref name="record"/>.</summary>
    public static ApprovalResolvedEvent From(ApprovalRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var resolution = record.Resolution;
        return new(record.Id, record.WorkflowId, record.StepId, record.Agent, record.Status,
            resolution?.Decision, resolution?.DecidedBy, resolution?.DecidedAt, resolution?.Comment, resolution?.Inputs);
    }
}
