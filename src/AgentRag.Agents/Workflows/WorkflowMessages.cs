using AgentRag.Agents.Planning;

namespace AgentRag.Agents.Workflows;

/// <summary>
/// Starts a new workflow; the reply (<see cref="WorkflowState"/>) comes once its initial state is durable.
/// <paramref name="TraceParent"/> is the W3C context of the caller's span, which the workflow's spans join.
/// </summary>
public sealed record StartWorkflow(QueryRequest Request, string? TraceParent = null);

/// <summary>Cancels the workflow; replies true when it was running, false when it had already ended.</summary>
public sealed record CancelWorkflow(string Reason);

/// <summary>
/// Replies with a copy of the current <see cref="WorkflowState"/>, as stored (without step results), or null for an
/// unknown workflow. The way to read a workflow's state: the actor owns it, whichever runtime runs the actor.
/// </summary>
public sealed record GetWorkflowState;

internal sealed record PlanReady(PlanningResult Result);

internal sealed record PlanFailed(string Error);

internal sealed record StepFinished(string StepId, int Attempt, StepOutput Output, double DurationMs);

internal sealed record StepFailedReport(string StepId, int Attempt, string Error, bool TimedOut, double DurationMs);

internal sealed record StepProgressReport(string StepId, int Attempt, string Message, string? WarningKind = null, ToolCallProgress? Tool = null);

internal sealed record StepTokenResetReport(string StepId, int Attempt, string Reason, TokenResetCause Cause);

/// <summary>A tool call as reported on the stream: the tool, its JSON arguments and a summary of the result.</summary>
public sealed record ToolCallProgress(string Name, string Arguments, string Result);

internal sealed record StepTokenReport(string StepId, int Attempt, string Text);
