using AgentRag.Agents.Plans;

namespace AgentRag.Agents.Planning;

/// <summary>Makes a validated, estimated plan for a query. Thread-safe.</summary>
public interface IQueryPlanner
{
    /// <summary>
    /// Plans <paramref name="request"/>. Never returns an invalid plan: a model plan that fails validation is replaced
    /// by the rule-based plan and the reason is in <see cref="PlanningResult.Warnings"/>. Throws
    /// <see cref="OperationCanceledException"/> when cancelled.
    /// </summary>
    Task<PlanningResult> PlanAsync(PlanningRequest request, CancellationToken cancellationToken = default);
}

/// <summary>What the planner needs to know.</summary>
/// <param name="TenantId">The tenant asking.</param>
/// <param name="Query">The question.</param>
/// <param name="WorkflowId">The workflow being planned (for prompt selection and usage attribution).</param>
/// <param name="UseModel">Whether a chat model may be used (configured, and not an extractive request).</param>
public sealed record PlanningRequest(string TenantId, string Query, string WorkflowId, bool UseModel);

/// <summary>A plan, how the query was classified, which planner made it, and any warnings.</summary>
/// <param name="Planner"><c>rules</c> or <c>model</c>.</param>
public sealed record PlanningResult(Plan Plan, QueryClassification Classification, string Planner, IReadOnlyList<string> Warnings);
