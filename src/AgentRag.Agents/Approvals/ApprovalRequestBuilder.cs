using System.Globalization;
using System.Text.Json;
using AgentRag.Agents.Plans;
using AgentRag.Agents.Synthesis;
using AgentRag.Agents.Tools;
using AgentRag.Core;
using AgentRag.Core.Approvals;
using AgentRag.Core.Serialization;
using AgentRag.Core.Text;

namespace AgentRag.Agents.Approvals;

/// <summary>What a gated step's request is built from.</summary>
/// <param name="Dependencies">The step's completed dependencies (their retrieved passages are the sources shown).</param>
/// <param name="Reasons">Why the step is gated (<see cref="ApprovalReasons"/>).</param>
public sealed record ApprovalRequestInput(
    string TenantId,
    string WorkflowId,
    string Query,
    Plan Plan,
    PlanStep Step,
    IReadOnlyList<string> Reasons,
    IReadOnlyList<StepDependency> Dependencies,
    DateTimeOffset Now);

/// <summary>
/// Writes approval requests for people: what will happen (action), why (rationale), what approving and rejecting lead
/// to (impact), the risk, a suggestion, and the context (query, plan, retrieved sources, the step's inputs). Ids are
/// derived from tenant, workflow and step, so a request re-created after a crash keeps its id. Thread-safe.
/// </summary>
public sealed class ApprovalRequestBuilder(ApprovalPolicy policy, ApprovalOptions options, IStepToolSource? tools = null)
{
    /// <summary>Prefix of approval ids (<c>apr_…</c>).</summary>
    public const string IdPrefix = "apr";

    /// <summary>Longest source excerpt shown, in characters.</summary>
    public const int ExcerptLength = 400;

    /// <summary>The id of the request of step <paramref name="stepId"/> of a workflow (one request per gated step).</summary>
    public static string IdFor(string tenantId, string workflowId, string stepId) => Ids.FromSeed(IdPrefix, $"{tenantId}/{workflowId}/{stepId}");

    /// <summary>A new pending request (revision 1) for the step of <paramref name="input"/>.</summary>
    public ApprovalRecord Build(ApprovalRequestInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var settings = options.For(input.TenantId);
        var step = input.Step;
        var sources = SynthesisSources.Collect(input.Dependencies, Math.Max(options.MaxContextSources, 0));
        var tool = step.Agent == ToolAgent.Name ? tools?.Find(input.TenantId, ApprovalPolicy.ToolName(step)) : null;
        var dependents = Dependents(input.Plan, step.Id);
        var (suggestion, suggestionReason) = step.Agent == ToolAgent.Name && tool is null
            ? (ApprovalDecision.Reject, $"The tool '{ApprovalPolicy.ToolName(step)}' is not available now: the step would fail.")
            : Suggest(input, sources.Count, sources.Select(s => s.DocumentId).Distinct().Count());
        var context = new
        {
            query = input.Query,
            plan = new
            {
                rationale = input.Plan.Rationale,
                estimate = input.Plan.Estimate,
                steps = input.Plan.Steps.Select(s => new { id = s.Id, agent = s.Agent, dependsOn = s.DependsOn, requiresApproval = s.Policy.RequiresApproval }),
            },
            step = new { id = step.Id, agent = step.Agent, inputs = step.Inputs, dependsOn = step.DependsOn },
            tool = tool is null ? null : new { name = tool.Function.Name, description = tool.Function.Description, source = tool.Source, sideEffects = tool.SideEffects },
            sources = sources.Select((s, i) => new
            {
                number = i + 1,
                documentId = s.DocumentId,
                documentName = s.DocumentName,
                pages = s.Pages,
                headingPath = s.HeadingPath,
                excerpt = Excerpt(s.Text),
            }),
        };

        return new ApprovalRecord
        {
            Id = IdFor(input.TenantId, input.WorkflowId, step.Id),
            TenantId = input.TenantId,
            WorkflowId = input.WorkflowId,
            StepId = step.Id,
            Agent = step.Agent,
            Reasons = input.Reasons,
            Action = Action(input, sources.Count, tool),
            Rationale = $"{policy.Explain(input.Reasons, input.Plan, step, input.TenantId)} Plan: {input.Plan.Rationale}".Trim(),
            Impact = Impact(step.Id, dependents),
            Risk = input.Reasons.Contains(ApprovalReasons.SideEffects) ? ApprovalRisk.High
                : input.Reasons.Contains(ApprovalReasons.Cost) ? ApprovalRisk.Medium
                : ApprovalRisk.Low,
            Context = JsonSerializer.SerializeToElement(context, AgentRagJson.Options),
            Inputs = JsonSerializer.SerializeToElement(step.Inputs, AgentRagJson.Options),
            SuggestedDecision = suggestion,
            SuggestionReason = suggestionReason,
            Status = ApprovalStatus.Pending,
            CreatedAt = input.Now,
            ExpiresAt = input.Now + settings.Timeout,
            TimeoutPolicy = settings.TimeoutPolicy,
            Revision = 1,
        };
    }

    /// <summary>What the approver was shown: the record's explanation, suggestion, context and inputs.</summary>
    public static JsonElement ContextShown(ApprovalRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return JsonSerializer.SerializeToElement(new
        {
            action = record.Action,
            rationale = record.Rationale,
            impact = record.Impact,
            risk = record.Risk,
            suggestedDecision = record.SuggestedDecision,
            suggestionReason = record.SuggestionReason,
            expiresAt = record.ExpiresAt,
            context = record.Context,
            inputs = record.Inputs,
        }, AgentRagJson.Options);
    }

    /// <summary>The steps that depend on <paramref name="stepId"/>, directly or not, in plan order.</summary>
    public static IReadOnlyList<PlanStep> Dependents(Plan plan, string stepId)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var found = new HashSet<string>(StringComparer.Ordinal) { stepId };
        var dependents = new List<PlanStep>();
        foreach (var step in PlanValidator.TopologicalOrder(plan))
        {
            if (step.Id != stepId && step.DependsOn.Any(found.Contains))
            {
                found.Add(step.Id);
                dependents.Add(step);
            }
        }

        return dependents;
    }

    private static string Action(ApprovalRequestInput input, int sourceCount, StepTool? tool)
    {
        var step = input.Step;
        return step.Agent switch
        {
            ToolAgent.Name => $"Call the tool '{ApprovalPolicy.ToolName(step)}'{(tool is null ? "" : $" ({tool.Source})")} with arguments {Arguments(step)}.",
            AgentNames.Synthesis => $"Write the answer to “{TextPreview.Shorten(input.Query, 200)}” from {Count(sourceCount, "retrieved passage")} and show it.",
            AgentNames.Reasoning => ApprovalPolicy.StepToolNames(step).ToList() is { Count: > 0 } listed
                ? $"Answer “{TextPreview.Shorten(input.Query, 200)}” with the reasoning agent, which may call {string.Join(", ", listed.Select(t => $"'{t}'"))}."
                : $"Answer “{TextPreview.Shorten(input.Query, 200)}” with the reasoning agent.",
            AgentNames.Retrieval or AgentNames.FollowUpRetrieval =>
                $"Search the documents for “{TextPreview.Shorten(step.Inputs.TryGetValue("query", out var q) && q.ValueKind == JsonValueKind.String ? q.GetString()! : input.Query, 200)}”.",
            AgentNames.Citation => "Check the answer's citations against their sources.",
            _ => $"Run step '{step.Id}' ({step.Agent}).",
        };
    }

    private static string Impact(string stepId, IReadOnlyList<PlanStep> dependents)
    {
        var then = dependents.Count == 0 ? "" : $", then {string.Join(", ", dependents.Select(d => $"'{d.Id}'"))}";
        var skipped = dependents.Count == 0 ? "" : $" and {(dependents.Count == 1 ? "its dependent" : "its dependents")} ({string.Join(", ", dependents.Select(d => $"'{d.Id}'"))})";
        return $"Approving runs '{stepId}'{then}. Rejecting skips '{stepId}'{skipped}; the workflow then completes with an answer that says what was not done and why.";
    }

    private (ApprovalDecision Decision, string Reason) Suggest(ApprovalRequestInput input, int sources, int documents)
    {
        var step = input.Step;
        if (step.Agent == AgentNames.Synthesis && input.Dependencies.Count > 0 && sources == 0)
        {
            return (ApprovalDecision.Reject, "No passage was retrieved for the question: the answer could only decline.");
        }

        if (input.Reasons.Contains(ApprovalReasons.SideEffects))
        {
            return (ApprovalDecision.Approve, "The plan needs this call to complete the request; check its arguments first, it cannot be undone by the platform.");
        }

        if (input.Reasons.Contains(ApprovalReasons.Cost))
        {
            var settings = options.For(input.TenantId);
            return settings.CostThresholdUsd is { } threshold && input.Plan.Estimate.CostUsd > threshold * 10
                ? (ApprovalDecision.Reject, string.Create(CultureInfo.InvariantCulture, $"The estimate is more than ten times the threshold of ${threshold:0.######}."))
                : (ApprovalDecision.Approve, "The estimate is within ten times the threshold.");
        }

        return sources > 0
            ? (ApprovalDecision.Approve, $"{Count(sources, "retrieved passage")} from {Count(documents, "document")} support an answer.")
            : (ApprovalDecision.Approve, "The step needs no retrieved sources.");
    }

    private static string Arguments(PlanStep step) =>
        step.Inputs.TryGetValue("arguments", out var arguments) ? TextPreview.Shorten(arguments.GetRawText(), 500) : "{}";

    private static string Excerpt(string text)
    {
        var flat = text.ReplaceLineEndings(" ").Trim();
        return TextPreview.Shorten(flat, ExcerptLength);
    }

    private static string Count(int n, string noun) => $"{n.ToString(CultureInfo.InvariantCulture)} {noun}{(n == 1 ? "" : "s")}";
}
