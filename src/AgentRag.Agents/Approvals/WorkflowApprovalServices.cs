using AgentRag.Core.Approvals;

namespace AgentRag.Agents.Approvals;

/// <summary>What the workflow actor needs for its approval gates.</summary>
public sealed record WorkflowApprovalServices(
    ApprovalPolicy Policy,
    ApprovalRequestBuilder Requests,
    IApprovalStore Store,
    ApprovalNotifier Notifier,
    ApprovalOptions Options);
