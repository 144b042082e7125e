using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRag.Agents.Plans;
using AgentRag.Agents.Tools;
using AgentRag.Core.Serialization;
using AgentRag.Models.Calls;
using AgentRag.Models.Prompts;
using AgentRag.Models.Routing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AgentRag.Agents.Planning;

/// <summary>
/// The planner the workflow uses: the <see cref="RuleBasedPlanner"/>, or, when a chat model may be used and
/// <see cref="AgentsOptions.UseModelPlanner"/> is on, the model's plan in the same JSON schema. A model plan that
/// cannot be parsed or fails <see cref="PlanValidator"/> is replaced by the rule-based plan with a warning; so is a
/// failed model call (the model layer has already retried it). Both see the tools of the <see cref="IStepToolSource"/>:
/// the rules plan a tool step for a query that names one, and the model is shown the catalog. Every plan gets
/// estimates. Thread-safe.
/// </summary>
public sealed class QueryPlanner(
    RuleBasedPlanner rules,
    PlanValidator validator,
    PlanEstimator estimator,
    AgentCatalog catalog,
    PromptCatalog prompts,
    AgentsOptions options,
    ILogger<QueryPlanner> logger,
    IChatClient? chatClient = null,
    ModelRouter? router = null,
    IStepToolSource? tools = null) : IQueryPlanner
{
    public const string ModelPlannerName = "model";
    public const string PromptId = "planner";

    /// <summary>The step id model calls made while planning are attributed to.</summary>
    public const string PlanStepId = "plan";

    public async Task<PlanningResult> PlanAsync(PlanningRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var available = tools?.List(request.TenantId) ?? [];
        var (rulePlan, classification) = rules.Plan(request.Query, available);
        var modelAvailable = request.UseModel && chatClient is not null;
        // Routing is decided once per workflow, from the question and the size of its rule-based plan, and recorded.
        var routing = modelAvailable && router is not null
            ? router.Route(new RoutingRequest(request.Query, rulePlan.Steps.Count, request.RequestedModel))
            : null;
        if (!modelAvailable || !options.UseModelPlanner)
        {
            return new PlanningResult(Estimated(rulePlan, modelAvailable), classification, RuleBasedPlanner.Name, [], routing);
        }

        request = request with { Routing = routing };

        string warning;
        try
        {
            var modelPlan = await AskModelAsync(request, available, cancellationToken);
            var errors = validator.Validate(modelPlan);
            if (errors.Count == 0)
            {
                return new PlanningResult(Estimated(modelPlan, modelAvailable), classification, ModelPlannerName, [], routing);
            }

            warning = $"The model's plan was invalid ({string.Join(" ", errors)}); the rule-based plan was used.";
        }
        catch (JsonException ex)
        {
            warning = $"The model's plan was not valid JSON ({ex.Message}); the rule-based plan was used.";
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            warning = $"The model planner failed ({ex.Message}); the rule-based plan was used.";
        }

        logger.LogWarning("Planning workflow {WorkflowId}: {Warning}", request.WorkflowId, warning);
        return new PlanningResult(Estimated(rulePlan, modelAvailable), classification, RuleBasedPlanner.Name, [warning], routing);
    }

    private Plan Estimated(Plan plan, bool modelAvailable) => plan with { Estimate = estimator.Estimate(plan, modelAvailable) };

    private async Task<Plan> AskModelAsync(PlanningRequest request, IReadOnlyList<StepTool> available, CancellationToken cancellationToken)
    {
        var agents = new JsonArray([.. catalog.Descriptors.Select(d =>
        {
            var entry = new JsonObject
            {
                ["name"] = d.Name,
                ["purpose"] = d.Description,
                ["inputs"] = d.Inputs.ToJsonSchema(),
            };
            if (d.Name == AgentNames.Reasoning && available.Count > 0)
            {
                // What the reasoning agent can call; a step that needs a tool lists it in its "tools" input.
                entry["tools"] = new JsonArray([.. available.Select(t => (JsonNode)new JsonObject
                {
                    ["name"] = t.Name,
                    ["description"] = t.Function.Description,
                    ["sideEffects"] = t.SideEffects,
                })]);
            }

            return (JsonNode)entry;
        })]);
        var prompt = prompts.Select(PromptId, request.WorkflowId);
        var messages = prompt.ToMessages(new Dictionary<string, string>
        {
            ["agents"] = agents.ToJsonString(new JsonSerializerOptions { WriteIndented = true }),
            ["question"] = request.Query,
        });
        var baseOptions = new ChatOptions { ResponseFormat = ChatResponseFormat.Json, Temperature = prompt.Temperature ?? 0f };
        var context = new ModelCallContext
        {
            TenantId = request.TenantId,
            SessionId = request.SessionId,
            WorkflowId = request.WorkflowId,
            StepId = PlanStepId,
            Agent = "planner",
            RoutingReason = request.Routing?.Reason,
        };
        var chatOptions = prompt.CreateOptions(context, request.Routing is { } routing ? baseOptions.WithProfile(routing.Profile) : baseOptions);
        var response = await chatClient!.GetResponseAsync(messages, chatOptions, cancellationToken);
        return ParsePlan(response.Text);
    }

    /// <summary>
    /// Reads a plan in the planner JSON schema (<c>{"rationale", "steps": [{id, agent, inputs, dependsOn, policy}]}</c>),
    /// tolerating a Markdown code fence around it. Throws <see cref="JsonException"/> when it is not such an object.
    /// </summary>
    public static Plan ParsePlan(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var json = text.Trim();
        if (json.StartsWith("```", StringComparison.Ordinal))
        {
            var firstLine = json.IndexOf('\n', StringComparison.Ordinal);
            var fenceEnd = json.LastIndexOf("```", StringComparison.Ordinal);
            json = firstLine > 0 && fenceEnd > firstLine ? json[(firstLine + 1)..fenceEnd] : json;
        }

        var parsed = JsonSerializer.Deserialize<PlanDocument>(json, AgentRagJson.Options)
            ?? throw new JsonException("The plan is null.");
        if (parsed.Steps is null)
        {
            throw new JsonException("The plan has no 'steps' array.");
        }

        return new Plan
        {
            Rationale = parsed.Rationale ?? "",
            Steps = [.. parsed.Steps.Select((s, i) => new PlanStep
            {
                Id = s.Id ?? throw new JsonException($"Step {i + 1} has no 'id'."),
                Agent = s.Agent ?? throw new JsonException($"Step '{s.Id}' has no 'agent'."),
                Inputs = s.Inputs ?? new Dictionary<string, JsonElement>(),
                DependsOn = s.DependsOn ?? [],
                Policy = s.Policy ?? new StepPolicy(),
            })],
        };
    }

    private sealed record PlanDocument(string? Rationale, List<StepDocument>? Steps);

    private sealed record StepDocument(string? Id, string? Agent, Dictionary<string, JsonElement>? Inputs, List<string>? DependsOn, StepPolicy? Policy);
}
