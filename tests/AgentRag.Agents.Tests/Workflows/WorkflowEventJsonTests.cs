using System.Text.Json;
using AgentRag.Agents.Approvals;
using AgentRag.Agents.Plans;
using AgentRag.Agents.Workflows;
using AgentRag.Core.Approvals;
using AgentRag.Core.Serialization;

namespace AgentRag.Agents.Tests.Workflows;

/// <summary>
/// The typed event records write the bytes the anonymous payloads they replaced wrote (reflection over
/// <see cref="AgentRagJson.Options"/>), so clients and stored streams see no change.
/// </summary>
public sealed class WorkflowEventJsonTests
{
    [Fact]
    public void Serialize_StepEvents_SameBytesAsTheAnonymousPayloads()
    {
        WorkflowEventJson.Serialize(new TokenResetEvent("synthesize", "synthesis", 2, TokenResetCause.ToolCalls, "Tool calls follow <é>."))
            .ShouldBe(Old(new { stepId = "synthesize", agent = "synthesis", attempt = 2, cause = TokenResetCause.ToolCalls, reason = "Tool calls follow <é>." }));
        WorkflowEventJson.Serialize(new StepProgressEvent("retrieve", "retrieval", 1, "Budget at 80%.", new StepWarning("budget", "Budget at 80%."), null))
            .ShouldBe(Old(new
            {
                stepId = "retrieve", agent = "retrieval", attempt = 1, message = "Budget at 80%.",
                warning = new { kind = "budget", message = "Budget at 80%." }, tool = (ToolCallProgress?)null,
            }));
        WorkflowEventJson.Serialize(new StepFailedEvent("cite", "citation", 1, "timed out", true, StepRequirement.Optional, "continue"))
            .ShouldBe(Old(new { stepId = "cite", agent = "citation", attempt = 1, error = "timed out", timedOut = true, requirement = StepRequirement.Optional, action = "continue" }));
        WorkflowEventJson.Serialize(new ErrorEvent("wf_1", "step_failed", "Step failed.", "cite", "citation"))
            .ShouldBe(Old(new { workflowId = "wf_1", code = "step_failed", message = "Step failed.", stepId = "cite", agent = "citation" }));
    }

    [Fact]
    public void Serialize_ApprovalEvents_SameBytesAsTheAnonymousPayloads()
    {
        var at = new DateTimeOffset(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);
        var record = new ApprovalRecord
        {
            Id = "apr_1", TenantId = "default", WorkflowId = "wf_1", StepId = "answer", Agent = "synthesis", Reasons = ["policy"],
            Action = "Answer", Rationale = "Why", Impact = "None", Status = ApprovalStatus.Approved, CreatedAt = at, ExpiresAt = at.AddHours(1),
            Resolution = new ApprovalResolution(ApprovalDecision.Modify, "ana", at, "ok", JsonDocument.Parse("""{"query":"x"}""").RootElement),
        };

        WorkflowEventJson.Serialize(ApprovalResolvedEvent.From(record)).ShouldBe(Old(new
        {
            approvalId = record.Id, workflowId = record.WorkflowId, stepId = record.StepId, agent = record.Agent, status = record.Status,
            decision = record.Resolution?.Decision, decidedBy = record.Resolution?.DecidedBy, decidedAt = record.Resolution?.DecidedAt,
            comment = record.Resolution?.Comment, inputs = record.Resolution?.Inputs,
        }));
        WorkflowEventJson.Serialize(ApprovalRequestEvent.From(record)).ShouldBe(Old(new
        {
            approvalId = record.Id, workflowId = record.WorkflowId, stepId = record.StepId, agent = record.Agent, status = record.Status,
            reasons = record.Reasons, action = record.Action, rationale = record.Rationale, impact = record.Impact, risk = record.Risk,
            suggestedDecision = record.SuggestedDecision, suggestionReason = record.SuggestionReason, createdAt = record.CreatedAt,
            expiresAt = record.ExpiresAt, timeoutPolicy = record.TimeoutPolicy, escalations = record.Escalations, url = "/v1/approvals/apr_1",
        }));
    }

    [Fact]
    public void Deserialize_UnknownType_Throws() =>
        Should.Throw<NotSupportedException>(() => WorkflowEventJson.Deserialize("step.skipped", "{}"));

    private static string Old(object payload) => JsonSerializer.Serialize(payload, AgentRagJson.Options);
}
