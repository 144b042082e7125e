using AgentRag.Agents.Approvals;
using AgentRag.Agents.Citations;
using AgentRag.Agents.Planning;
using AgentRag.Agents.Plans;
using System.Text.Json.Serialization;
using AgentRag.Models.Routing;
using AgentRag.Retrieval.Query;

namespace AgentRag.Agents.Workflows;

/// <summary>Where a workflow is in its life.</summary>
public enum WorkflowStatus
{
    Planning,
    Running,
    Completed,
    Failed,
    Cancelled,

    /// <summary>Nothing runs: the next steps wait for a person's approval.</summary>
    AwaitingApproval,
}

/// <summary>Where a step is in its life.</summary>
public enum StepStatus
{
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,

    /// <summary>Ready, but waiting for a person's approval before it runs.</summary>
    AwaitingApproval,

    /// <summary>Its approval was refused (rejected, or expired): it did not run.</summary>
    Rejected,

    /// <summary>It depends on a rejected step: it did not run.</summary>
    Skipped,
}

/// <summary>
/// The durable state of one workflow, written by its <see cref="WorkflowActor"/> (the only writer) at every
/// transition and returned by <c>GET /v1/queries/{id}</c>.
/// </summary>
public sealed class WorkflowState
{
    public required string WorkflowId { get; init; }

    public required string TenantId { get; init; }

    public required string Query { get; init; }

    public SearchFilters? Filters { get; init; }

    public QueryMode Mode { get; init; }

    /// <summary>The conversation the workflow belongs to, if any.</summary>
    public string? SessionId { get; init; }

    /// <summary>The question as typed, when <see cref="Query"/> is the standalone rewrite of a follow-up.</summary>
    public string? OriginalQuery { get; init; }

    /// <summary>The request's explicit model choice, if any.</summary>
    public string? RequestedModel { get; init; }

    /// <summary>Which chat profile the workflow's model calls use and why (cheap or primary); null without a model.</summary>
    public RoutingDecision? Routing { get; set; }
    /// <summary>The gate the query asked for (<c>before_answer</c>), if any.</summary>
    public ApprovalCheckpoint Approval { get; init; }

    /// <summary>The approval side of each gated step, by step id (see docs/adr/0009-approvals.md).</summary>
    public Dictionary<string, StepApproval>? ApprovalSteps { get; set; }

    public WorkflowStatus Status { get; set; }

    public Plan? Plan { get; set; }

    /// <summary><c>rules</c> or <c>model</c>.</summary>
    public string? Planner { get; set; }

    public QueryClassification? Classification { get; set; }

    public List<StepState> Steps { get; set; } = [];

    /// <summary>Warnings raised by the workflow itself (planner fallback, optional step failures).</summary>
    public List<string> Warnings { get; set; } = [];

    /// <summary>The final answer once completed.</summary>
    public WorkflowAnswer? Answer { get; set; }

    /// <summary>Why the workflow failed or was cancelled.</summary>
    public string? Error { get; set; }

    /// <summary>Incremented at every persisted transition.</summary>
    public long Revision { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>
    /// The W3C <c>traceparent</c> every span of the workflow is a child of (the request that started it), stored so that
    /// steps run after a restart, or on another replica, join the same trace; null when it started outside any trace.
    /// </summary>
    public string? TraceParent { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public bool IsTerminal => Status is WorkflowStatus.Completed or WorkflowStatus.Failed or WorkflowStatus.Cancelled;

    public StepState? FindStep(string stepId) => Steps.FirstOrDefault(s => s.Id == stepId);
}

/// <summary>The state of one step of a workflow.</summary>
public sealed class StepState
{
    public required string Id { get; init; }

    public required string Agent { get; init; }

    public StepRequirement Requirement { get; init; }

    public StepStatus Status { get; set; }

    /// <summary>Runs started so far (a timeout's fallback, or a restart while running, adds one).</summary>
    public int Attempts { get; set; }

    /// <summary>The current or last run is the agent's fallback.</summary>
    public bool Fallback { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Duration of the run that completed or failed, in milliseconds.</summary>
    public double? DurationMs { get; set; }

    /// <summary>
    /// <c>{workflowId}:{stepId}:{attempt}</c> of the run whose result was recorded. A report from another run
    /// (an earlier attempt, or a duplicate after a restart) is ignored, so a recorded result is never replaced
    /// and a completed step never runs again.
    /// </summary>
    public string? IdempotencyKey { get; set; }

    /// <summary>
    /// The recorded result. Stored once, under its own key (<c>result:{stepId}</c>), when the step completes, and
    /// loaded when the workflow resumes; not part of the state document rewritten at every transition.
    /// </summary>
    [JsonIgnore]
    public StepOutput? Output { get; set; }

    /// <summary>The result's one-line summary.</summary>
    public string? Summary { get; set; }

    public string? Error { get; set; }
}

/// <summary>The final answer: the <c>done</c> event's payload.</summary>
public sealed record WorkflowAnswer(
    string WorkflowId,
    string Answer,
    IReadOnlyList<Citation> Citations,
    IReadOnlyList<string> Warnings,
    AnswerMode Mode,
    double? CitationSupportRate)
{
    /// <summary>The answer says the documents do not cover the question and cites nothing.</summary>
    public bool Declined { get; init; }

    /// <summary>How far the answer can be trusted, 0–100 (see <see cref="Citations.AnswerAssessment"/>); 0 for a decline.</summary>
    public int Confidence { get; init; }

    /// <summary>Three related questions the user may ask next (from the model, or from the headings of the top passages).</summary>
    public IReadOnlyList<string> FollowUps { get; init; } = [];
}
