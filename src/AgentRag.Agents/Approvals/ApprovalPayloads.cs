using AgentRag.Core.Approvals;

namespace AgentRag.Agents.Approvals;

/// <summary>The data of the approval events, the same on the workflow stream, the tenant stream and webhooks.</summary>
public static class ApprovalPayloads
{
    /// <summary><c>approval.required</c>, <c>approval.expiring</c> and <c>approval.escalated</c>: the request without its context (GET it for that).</summary>
    public static object Request(ApprovalRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new
        {
            approvalId = record.Id,
            workflowId = record.WorkflowId,
            stepId = record.StepId,
            agent = record.Agent,
            status = record.Status,
            reasons = record.Reasons,
            action = record.Action,
            rationale = record.Rationale,
            impact = record.Impact,
            risk = record.Risk,
            suggestedDecision = record.SuggestedDecision,
            suggestionReason = record.SuggestionReason,
            createdAt = record.CreatedAt,
            expiresAt = record.ExpiresAt,
            timeoutPolicy = record.TimeoutPolicy,
            escalations = record.Escalations,
            url = $"/v1/approvals/{record.Id}",
        };
    }

    /// <summary><c>approval.resolved</c>: the decision.</summary>
    public static object Resolved(ApprovalRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new
        {
            approvalId = record.Id,
            workflowId = record.WorkflowId,
            stepId = record.StepId,
            agent = record.Agent,
            status = record.Status,
            decision = record.Resolution?.Decision,
            decidedBy = record.Resolution?.DecidedBy,
            decidedAt = record.Resolution?.DecidedAt,
            comment = record.Resolution?.Comment,
            inputs = record.Resolution?.Inputs,
        };
    }
}
