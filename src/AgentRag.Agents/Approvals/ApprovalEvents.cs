namespace AgentRag.Agents.Approvals;

/// <summary>
/// The approval notifications. They appear on the workflow's stream (<c>workflow:{id}</c>), on the tenant's approvals
/// stream (<see cref="TenantStreamId"/>, served at <c>GET /v1/approvals/events</c>), and as webhook deliveries.
/// </summary>
public static class ApprovalEvents
{
    /// <summary>A step waits for a decision.</summary>
    public const string Required = "approval.required";

    /// <summary>A decision was applied (approved, modified, rejected, expired).</summary>
    public const string Resolved = "approval.resolved";

    /// <summary>A request reached <see cref="ApprovalOptions.ExpiringAt"/> of its timeout without a decision.</summary>
    public const string Expiring = "approval.expiring";

    /// <summary>A request timed out under the escalate policy: notified again, still decidable.</summary>
    public const string Escalated = "approval.escalated";

    /// <summary>The per-tenant stream of every approval notification (the event log keys streams by tenant).</summary>
    public const string TenantStreamId = "approvals";
}
