using AgentRag.Agents.Plans;
using AgentRag.Models.Routing;

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
public sealed record PlanningRequest(string TenantId, string Query, string WorkflowId, bool UseModel)
{
    /// <summary>The conversation the workflow belongs to, for usage attribution.</summary>
    public string? SessionId { get; init; }

    /// <summary>The request's explicit model choice (a profile name or a configured model id), overriding routing.</summary>
    public string? RequestedModel { get; init; }

    /// <summary>Set by the planner: the routing decision its own model call used.</summary>
    internal RoutingDecision? Routing { get; init; }
}

/// <summary>A plan, how the query was classified, which planner made it, and any warnings.</summary>
/// <param name="Planner"><c>rules</c> or <c>model</c>.</param>
/// <param name="Routing">Which chat profile the workflow's model calls use and why; null when no model is used.</param>
public sealed record PlanningResult(Plan Plan, QueryClassification Classification, string Planner, IReadOnlyList<string> Warnings, RoutingDecision? Routing = null);
