using AgentRag.Agents.Citations;
using AgentRag.Agents.Planning;
using AgentRag.Agents.Plans;
using AgentRag.Models.Routing;

namespace AgentRag.Agents.Workflows;

/// <summary>
/// The data of one event of a workflow's stream (<c>workflow:{id}</c>): one record type per event type, serialized by
/// <see cref="WorkflowEventJson"/>. The names and order of the members are the wire format; see
/// docs/adr/0022-typed-events-and-one-sse-writer.md.
/// </summary>
public abstract record WorkflowEventData;

/// <summary><c>plan</c>: the validated plan, how the query was classified, and the model route.</summary>
public sealed record PlanEvent(
    string WorkflowId,
    string Planner,
    QueryClass QueryClass,
    string Rule,
    string Explanation,
    string Rationale,
    PlanEstimate Estimate,
    RoutingDecision? Routing,
    IReadOnlyList<PlanStep> Steps,
    IReadOnlyList<string> Warnings) : WorkflowEventData;

/// <summary><c>step.started</c>: a run of a step begins (<paramref name="Resumed"/>: after a restart of the process).</summary>
public sealed record StepStartedEvent(
    string StepId, string Agent, int Attempt, bool Fallback, bool Resumed, IReadOnlyList<string> DependsOn) : WorkflowEventData;

/// <summary><c>step.progress</c>: what a running step is doing; <paramref name="Warning"/> when it is a warning, <paramref name="Tool"/> for a tool call.</summary>
public sealed record StepProgressEvent(
    string StepId, string Agent, int Attempt, string Message, StepWarning? Warning, ToolCallProgress? Tool) : WorkflowEventData;

/// <summary>A warning a running step reports (<c>step.progress</c>'s <c>warning</c>): its kind (e.g. <c>budget</c>) and text.</summary>
public sealed record StepWarning(string Kind, string Message);

/// <summary><c>step.completed</c>: a step's run succeeded.</summary>
public sealed record StepCompletedEvent(
    string StepId, string Agent, int Attempt, bool Fallback, double? DurationMs, string Summary, IReadOnlyList<string> Warnings) : WorkflowEventData;

/// <summary>
/// <c>step.failed</c>: a step's run failed; <paramref name="Action"/> is what follows: <c>continue</c> (an optional
/// step), <c>fallback</c> (the agent's fallback runs) or <c>fail</c> (the workflow fails).
/// </summary>
public sealed record StepFailedEvent(
    string StepId, string Agent, int Attempt, string Error, bool TimedOut, StepRequirement Requirement, string Action) : WorkflowEventData;

/// <summary><c>token</c>: a piece of a step's answer as the model writes it.</summary>
public sealed record TokenEvent(string StepId, string Agent, int Attempt, string Text) : WorkflowEventData;

/// <summary><c>token.reset</c>: the tokens of <paramref name="StepId"/> sent before are void (see <see cref="WorkflowEvents.TokenReset"/>).</summary>
public sealed record TokenResetEvent(string StepId, string Agent, int Attempt, TokenResetCause Cause, string Reason) : WorkflowEventData;

/// <summary><c>citations</c>: the checked answer's citations and the share of its citing sentences they support.</summary>
public sealed record CitationsEvent(string WorkflowId, IReadOnlyList<Citation> Citations, double? CitationSupportRate) : WorkflowEventData;

/// <summary><c>usage</c>: how long the workflow took, what the plan estimated, and each step's runs.</summary>
public sealed record UsageEvent(string WorkflowId, double DurationMs, PlanEstimate Estimate, IReadOnlyList<StepUsage> Steps) : WorkflowEventData;

/// <summary>One step of a <see cref="UsageEvent"/>.</summary>
public sealed record StepUsage(string StepId, string Agent, StepStatus Status, int Attempts, bool Fallback, double? DurationMs);

/// <summary><c>done</c>: the final answer (the last event of a workflow that answered).</summary>
public sealed record DoneEvent(
    string Answer,
    IReadOnlyList<Citation> Citations,
    IReadOnlyList<string> Warnings,
    string WorkflowId,
    AnswerMode Mode,
    double? CitationSupportRate,
    int Confidence,
    bool Declined,
    IReadOnlyList<string> FollowUps) : WorkflowEventData;

/// <summary>
/// <c>error</c>: the workflow ended without an answer (the last event). <paramref name="Code"/>: <c>cancelled</c>,
/// <c>planning_failed</c>, <c>invalid_plan</c>, <c>step_failed</c>…; the step that failed, when one did.
/// </summary>
public sealed record ErrorEvent(string WorkflowId, string Code, string Message, string? StepId = null, string? Agent = null) : WorkflowEventData;
