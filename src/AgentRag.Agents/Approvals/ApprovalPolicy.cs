using System.Globalization;
using AgentRag.Agents.Plans;
using AgentRag.Agents.Tools;

namespace AgentRag.Agents.Approvals;

/// <summary>A plan with its approval gates set, and why each gated step is gated.</summary>
/// <param name="Plan">The plan, with <see cref="StepPolicy.RequiresApproval"/> set on every gated step.</param>
/// <param name="Reasons">For each gated step id, its reasons (<see cref="ApprovalReasons"/>), in a fixed order.</param>
public sealed record ApprovalGates(Plan Plan, IReadOnlyDictionary<string, IReadOnlyList<string>> Reasons);

/// <summary>
/// Decides which steps of a plan wait for a person's approval before they run. A step is gated when:
/// <list type="bullet">
/// <item>the plan already marks it (a model planner may);</item>
/// <item>it is a <c>tool</c> step whose tool has side effects, or a <c>reasoning</c> step that lists such a tool in its
/// <c>tools</c> input; a tool that cannot be found counts as one (its safety cannot be checked);</item>
/// <item>the plan's estimated cost exceeds the tenant's <see cref="ApprovalOptions.CostThresholdUsd"/>: its first model
/// steps (those no other model step precedes) are gated, so nothing is spent before the approval;</item>
/// <item>the query asked for <see cref="ApprovalCheckpoint.BeforeAnswer"/>, or the tenant requires review: its answer
/// steps (synthesis and reasoning; the last steps when there are none) are gated.</item>
/// </list>
/// Deterministic and thread-safe.
/// </summary>
public sealed class ApprovalPolicy(AgentCatalog catalog, ApprovalOptions options, IStepToolSource? tools = null)
{
    /// <summary>Sets the gates of <paramref name="plan"/> (a valid plan) for a query of <paramref name="tenantId"/>.</summary>
    /// <param name="modelUsed">Whether the workflow's steps may call a chat model (the cost gate looks for model steps).</param>
    public ApprovalGates Apply(Plan plan, string tenantId, ApprovalCheckpoint checkpoint, bool modelUsed)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var settings = options.For(tenantId);
        var reasons = plan.Steps.ToDictionary(s => s.Id, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var step in plan.Steps)
        {
            if (step.Policy.RequiresApproval)
            {
                reasons[step.Id].Add(ApprovalReasons.Planner);
            }

            if (HasSideEffects(tenantId, step))
            {
                reasons[step.Id].Add(ApprovalReasons.SideEffects);
            }
        }

        if (settings.CostThresholdUsd is { } threshold && plan.Estimate.CostUsd > threshold)
        {
            foreach (var step in FirstModelSteps(plan, modelUsed))
            {
                reasons[step.Id].Add(ApprovalReasons.Cost);
            }
        }

        var answerReason = checkpoint == ApprovalCheckpoint.BeforeAnswer ? ApprovalReasons.BeforeAnswer
            : settings.RequireReview ? ApprovalReasons.TenantReview
            : null;
        if (answerReason is not null)
        {
            foreach (var step in AnswerSteps(plan))
            {
                reasons[step.Id].Add(answerReason);
            }
        }

        var gated = reasons.Where(r => r.Value.Count > 0).ToDictionary(r => r.Key, r => (IReadOnlyList<string>)r.Value, StringComparer.Ordinal);
        var steps = plan.Steps.Select(s => gated.ContainsKey(s.Id) && !s.Policy.RequiresApproval ? s with { Policy = s.Policy with { RequiresApproval = true } } : s).ToList();
        return new ApprovalGates(plan with { Steps = steps }, gated);
    }

    /// <summary>A sentence per reason, for the approver.</summary>
    public string Explain(IReadOnlyList<string> reasons, Plan plan, PlanStep step, string tenantId)
    {
        ArgumentNullException.ThrowIfNull(reasons);
        var settings = options.For(tenantId);
        var sentences = reasons.Select(reason => reason switch
        {
            ApprovalReasons.Planner => "The plan marks this step as needing approval.",
            ApprovalReasons.SideEffects => string.Join(" ", SideEffectingTools(tenantId, step).Select(name => tools?.Find(tenantId, name) is { } tool
                ? $"The tool '{tool.Function.Name}' ({tool.Source}) changes state outside the platform: it has side effects."
                : $"The tool '{name}' is not in the registry now, so its side effects cannot be ruled out.")),
            ApprovalReasons.Cost => string.Create(CultureInfo.InvariantCulture,
                $"The plan's estimated cost, ${plan.Estimate.CostUsd:0.######} ({plan.Estimate.ModelCalls} model call(s)), exceeds the threshold of ${settings.CostThresholdUsd:0.######}; this is its first model step."),
            ApprovalReasons.BeforeAnswer => "The query asked for approval before the answer is written.",
            ApprovalReasons.TenantReview => $"Tenant '{tenantId}' requires review of every answer.",
            _ => $"Policy '{reason}'.",
        });
        return string.Join(" ", sentences);
    }

    private bool HasSideEffects(string tenantId, PlanStep step) => SideEffectingTools(tenantId, step).Any();

    /// <summary>The tools <paramref name="step"/> may call that have side effects or cannot be found.</summary>
    private IEnumerable<string> SideEffectingTools(string tenantId, PlanStep step) =>
        StepToolNames(step).Where(name => tools?.Find(tenantId, name) is not { SideEffects: false });

    /// <summary>The tools a step may call: a <c>tool</c> step's tool, or the tools a <c>reasoning</c> step lists.</summary>
    internal static IEnumerable<string> StepToolNames(PlanStep step) => step.Agent switch
    {
        ToolAgent.Name => [ToolName(step)],
        AgentNames.Reasoning when step.Inputs.TryGetValue("tools", out var listed) && listed.ValueKind == System.Text.Json.JsonValueKind.Array =>
            listed.EnumerateArray().Where(e => e.ValueKind == System.Text.Json.JsonValueKind.String).Select(e => e.GetString()!),
        _ => [],
    };

    internal static string ToolName(PlanStep step) =>
        step.Inputs.TryGetValue("tool", out var name) && name.ValueKind == System.Text.Json.JsonValueKind.String ? name.GetString() ?? "" : "";

    /// <summary>Model-using steps that no other model-using step precedes; the entry steps when no step uses a model.</summary>
    private List<PlanStep> FirstModelSteps(Plan plan, bool modelUsed)
    {
        var ordered = PlanValidator.TopologicalOrder(plan);
        var usesModel = ordered.ToDictionary(
            s => s.Id, s => modelUsed && catalog.TryGet(s.Agent, out var agent) && agent.Descriptor.Cost.ModelCalls > 0, StringComparer.Ordinal);
        var afterModel = new HashSet<string>(StringComparer.Ordinal); // steps with a model step among their ancestors
        var first = new List<PlanStep>();
        foreach (var step in ordered)
        {
            var preceded = step.DependsOn.Any(d => afterModel.Contains(d) || usesModel[d]);
            if (preceded)
            {
                afterModel.Add(step.Id);
            }
            else if (usesModel[step.Id])
            {
                first.Add(step);
            }
        }

        return first.Count > 0 ? first : [.. plan.Steps.Where(s => s.DependsOn.Count == 0)];
    }

    /// <summary>The steps that write the answer: synthesis and reasoning steps, else the steps nothing depends on.</summary>
    private static List<PlanStep> AnswerSteps(Plan plan)
    {
        var answering = plan.Steps.Where(s => s.Agent is AgentNames.Synthesis or AgentNames.Reasoning).ToList();
        return answering.Count > 0 ? answering : [.. plan.Steps.Where(s => !plan.Steps.Any(o => o.DependsOn.Contains(s.Id)))];
    }
}
