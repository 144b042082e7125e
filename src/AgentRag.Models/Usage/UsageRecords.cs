using AgentRag.Core;
using AgentRag.Core.Usage;
using AgentRag.Models.Calls;
using AgentRag.Models.Configuration;

namespace AgentRag.Models.Usage;

/// <summary>Builds the <see cref="UsageRecord"/> of a model call from the call's context and profile.</summary>
public static class UsageRecords
{
    /// <summary>
    /// A new row for a <paramref name="operation"/> call on <paramref name="profile"/> that started at
    /// <paramref name="startedAt"/>, attributed as <paramref name="context"/> says, with its outcome; the caller sets
    /// tokens, cost and latency.
    /// </summary>
    public static UsageRecord For(ModelCallContext context, ModelProfile profile, string operation, DateTimeOffset startedAt, Exception? failure)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(profile);
        return new UsageRecord
        {
            Id = Ids.New("use"),
            Timestamp = startedAt,
            TenantId = context.TenantId,
            UserId = context.UserId,
            SessionId = context.SessionId,
            WorkflowId = context.WorkflowId,
            StepId = context.StepId,
            Agent = context.Agent,
            Profile = profile.Name,
            Model = profile.Model,
            Operation = operation,
            PromptId = context.PromptId,
            PromptVersion = context.PromptVersion,
            RoutingReason = context.RoutingReason,
            Outcome = UsageRecord.OutcomeOf(failure),
            Error = failure?.Message,
        };
    }
}
