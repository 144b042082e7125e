using AgentRag.Core.Events;

namespace AgentRag.Agents.Workflows;

/// <summary>
/// The event types of a workflow's stream (<c>workflow:{id}</c>). Every event's data is a JSON object; step events
/// carry <c>stepId</c> and <c>agent</c>. See docs/adr/0006-workflow-actor-host.md for the order guarantees.
/// </summary>
public static class WorkflowEvents
{
    public const string Plan = "plan";
    public const string StepStarted = "step.started";
    public const string StepProgress = "step.progress";
    public const string StepCompleted = "step.completed";
    public const string StepFailed = "step.failed";
    public const string Token = "token";

    /// <summary>
    /// <c>{stepId, agent, attempt, cause, reason}</c>: every <c>token</c> of <c>stepId</c> sent before this event is void; the
    /// step's answer starts over with the tokens that follow (from <c>attempt</c>). <c>cause</c> is <c>restart</c> (the
    /// answer is rewritten from its start: a fallback model, an extractive fallback, a re-run after a failure, timeout or
    /// restart of the process) or <c>tool_calls</c> (the text of a model turn that ended in tool calls; the answer follows
    /// their results).
    /// </summary>
    public const string TokenReset = "token.reset";
    public const string Citations = "citations";
    public const string Usage = "usage";
    public const string Done = "done";
    public const string Error = "error";
    public const string ApprovalRequired = Approvals.ApprovalEvents.Required;
    public const string ApprovalResolved = Approvals.ApprovalEvents.Resolved;
    public const string ApprovalExpiring = Approvals.ApprovalEvents.Expiring;
    public const string ApprovalEscalated = Approvals.ApprovalEvents.Escalated;

    public static string StreamId(string workflowId) => "workflow:" + workflowId;

    /// <summary>The stream ends after <c>done</c> or <c>error</c>.</summary>
    public static bool IsFinal(StoredEvent stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return stored.Type is Done or Error;
    }
}
