using System.Text.Json;

namespace AgentRag.Agents.Plans;

/// <summary>
/// A workflow's plan: a DAG of agent steps. Steps whose dependencies are all complete run in parallel.
/// Validate with <see cref="PlanValidator"/> before running it.
/// </summary>
public sealed record Plan
{
    public required IReadOnlyList<PlanStep> Steps { get; init; }

    /// <summary>What the plan is expected to cost (see <see cref="PlanEstimator"/>).</summary>
    public PlanEstimate Estimate { get; init; } = PlanEstimate.Zero;

    /// <summary>Why this plan: the planner's explanation (e.g. the rule that classified the query).</summary>
    public string Rationale { get; init; } = "";

    public PlanStep? Find(string stepId) => Steps.FirstOrDefault(s => s.Id == stepId);
}

/// <summary>One step: an agent, its inputs, the steps it waits for, and how its failure is handled.</summary>
public sealed record PlanStep
{
    /// <summary>Unique within the plan: 1–64 letters, digits, '-' or '_'.</summary>
    public required string Id { get; init; }

    /// <summary>The agent's name in the <see cref="AgentCatalog"/>.</summary>
    public required string Agent { get; init; }

    /// <summary>Validated against the agent's <see cref="InputSchema"/>.</summary>
    public IReadOnlyDictionary<string, JsonElement> Inputs { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>Steps whose results this step needs; it starts when all of them have completed.</summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];

    public StepPolicy Policy { get; init; } = new();
}

/// <summary>Whether a step's failure fails the workflow.</summary>
public enum StepRequirement
{
    /// <summary>A failure goes to the agent's fallback; when there is none, the workflow fails with the reason.</summary>
    Required,

    /// <summary>A failure is recorded as a visible warning and the workflow continues without the step's result.</summary>
    Optional,
}

/// <summary>How a step is run.</summary>
/// <param name="Requirement">Required or optional (see <see cref="StepRequirement"/>).</param>
/// <param name="TimeoutMs">The step's time limit, 1 ms to 10 minutes; exceeding it is a failure of the step.</param>
/// <param name="RequiresApproval">The step waits for a person's approval before it runs (see docs/adr/0009-approvals.md); the approval policy also sets it.</param>
public sealed record StepPolicy(StepRequirement Requirement = StepRequirement.Required, int TimeoutMs = StepPolicy.DefaultTimeoutMs, bool RequiresApproval = false)
{
    public const int DefaultTimeoutMs = 30_000;
    public const int MaxTimeoutMs = 600_000;

    public static StepPolicy Required(int timeoutMs = DefaultTimeoutMs) => new(StepRequirement.Required, timeoutMs);

    public static StepPolicy Optional(int timeoutMs = DefaultTimeoutMs) => new(StepRequirement.Optional, timeoutMs);
}

/// <summary>
/// What running a plan is expected to cost. Latency follows the critical path (parallel steps count once).
/// Cost is computed from the configured model prices and is 0 when none are set or no model is used.
/// </summary>
public sealed record PlanEstimate(int ModelCalls, int InputTokens, int OutputTokens, decimal CostUsd, int LatencyMs)
{
    public static PlanEstimate Zero { get; } = new(0, 0, 0, 0m, 0);
}
