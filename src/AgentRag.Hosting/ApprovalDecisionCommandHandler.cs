using System.Text.Json;
using AgentRag.Agents.Approvals;
using AgentRag.Core;
using AgentRag.Core.Approvals;
using AgentRag.Core.Serialization;
using AgentRag.Runtime.Dapr.Events;

namespace AgentRag.Hosting;

/// <summary>
/// Approval decisions taken in another system (a ticketing or change-management workflow) and sent as commands on the
/// Dapr commands topic: <c>{"type": "approval.decide", "tenantId", "approvalId", "decision": "approve" | "reject" |
/// "modify", "decidedBy", "comment"?, "inputs"?}</c>. Applied through <see cref="ApprovalService"/> as a decision made in
/// the API would be (audited, the workflow resumes). A second delivery of a decided request changes nothing. Whoever can
/// publish to that topic can decide approvals: scope the pub/sub component to the app (<c>scopes</c>) and the topic to
/// trusted publishers.
/// </summary>
internal sealed class ApprovalDecisionCommandHandler(ApprovalService approvals) : IDaprCommandHandler
{
    public string CommandType => "approval.decide";

    public async Task<DaprCommandOutcome> HandleAsync(JsonElement command, CancellationToken cancellationToken)
    {
        var tenant = Text(command, "tenantId") ?? Tenancy.DefaultTenant;
        var approvalId = Text(command, "approvalId");
        var decidedBy = Text(command, "decidedBy");
        if (approvalId is null || decidedBy is null || !Tenancy.IsValidTenantId(tenant)
            || !Enum.TryParse<ApprovalDecision>(Text(command, "decision"), ignoreCase: true, out var decision) || !Enum.IsDefined(decision))
        {
            return DaprCommandOutcome.Invalid;
        }

        var inputs = command.TryGetProperty("inputs", out var given) && given.ValueKind == JsonValueKind.Object
            ? given.Deserialize<Dictionary<string, JsonElement>>(AgentRagJson.Options)
            : null;
        var result = await approvals.DecideAsync(tenant, approvalId, new ApprovalDecisionRequest(decision, decidedBy, Text(command, "comment"), inputs), cancellationToken);
        return result.Outcome is ApprovalDecisionOutcome.NotFound or ApprovalDecisionOutcome.Invalid or ApprovalDecisionOutcome.InvalidInputs
            ? DaprCommandOutcome.Invalid
            : DaprCommandOutcome.Handled;
    }

    private static string? Text(JsonElement command, string property) =>
        command.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;
}
