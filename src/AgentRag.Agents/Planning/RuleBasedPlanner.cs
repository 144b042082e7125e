using System.Text.Json;
using AgentRag.Agents.Plans;
using AgentRag.Agents.Reasoning;
using AgentRag.Agents.Tools;
using AgentRag.Core.Serialization;

namespace AgentRag.Agents.Planning;

/// <summary>
/// Turns a query into a plan by its <see cref="QueryClassifier"/> class, or, when it names an external tool of the
/// catalog (<see cref="ToolMentions"/>), a reasoning step that may call the named tools. Deterministic: the same query
/// and catalog always get the same plan, and the plan's rationale names the rule that decided it. Thread-safe.
/// </summary>
public sealed class RuleBasedPlanner(AgentsOptions options)
{
    public const string Name = "rules";

    /// <summary>The plan for <paramref name="query"/> (without estimates) and its classification.</summary>
    /// <param name="query">The question.</param>
    /// <param name="tools">The tools available to the query's tenant now; none when omitted.</param>
    public (Plan Plan, QueryClassification Classification) Plan(string query, IReadOnlyList<StepTool>? tools = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        var named = tools is null ? [] : ToolMentions.Named(query, tools);
        var classification = named.Count > 0
            ? new QueryClassification(QueryClass.Tools, ToolMentions.Rule,
                $"The query names the tool{(named.Count > 1 ? "s" : "")} {string.Join(", ", named.Select(t => t.Name))}.", [], Tools: [.. named.Select(t => t.Name)])
            : QueryClassifier.Classify(query);
        var steps = classification.Class switch
        {
            QueryClass.Knowledge => Knowledge(query),
            QueryClass.Comparison => Comparison(query, classification.Entities),
            QueryClass.MultiHop => MultiHop(query),
            QueryClass.Arithmetic or QueryClass.Conversational => Reasoning(query, classification),
            QueryClass.Tools => [Step("reason", AgentNames.Reasoning, StepPolicy.Required(options.ReasoningTimeoutMs), [],
                ("query", query), ("kind", ReasoningAgent.ToolsKind), ("tools", classification.Tools!))],
            _ => throw new InvalidOperationException($"Unknown query class {classification.Class}."),
        };
        return (new Plan { Steps = steps, Rationale = $"{classification.Class}: {classification.Explanation} (rule {classification.Rule})" }, classification);
    }

    private List<PlanStep> Knowledge(string query) =>
    [
        Step("retrieve", AgentNames.Retrieval, StepPolicy.Required(options.RetrievalTimeoutMs), [], ("query", query), ("k", options.RetrievalTopK)),
        .. Answer(query, ["retrieve"]),
    ];

    private List<PlanStep> Comparison(string query, IReadOnlyList<string> entities)
    {
        var context = ComparisonContext(query, entities);
        var steps = new List<PlanStep>();
        for (var i = 0; i < entities.Count; i++)
        {
            var entityQuery = context.Length == 0 ? entities[i] : $"{entities[i]} {context}";
            steps.Add(Step($"retrieve-{i + 1}", AgentNames.Retrieval, StepPolicy.Required(options.RetrievalTimeoutMs), [],
                ("query", entityQuery), ("k", options.ComparisonTopKPerEntity), ("entity", entities[i])));
        }

        steps.Add(Step("synthesize", AgentNames.Synthesis, StepPolicy.Required(options.SynthesisTimeoutMs), [.. steps.Select(s => s.Id)],
            ("query", query), ("style", "comparison"), ("entities", entities)));
        steps.Add(Cite());
        return steps;
    }

    private List<PlanStep> MultiHop(string query) =>
    [
        Step("retrieve", AgentNames.Retrieval, StepPolicy.Required(options.RetrievalTimeoutMs), [], ("query", query), ("k", options.RetrievalTopK)),
        // Optional: without the second hop the first one's passages still make an answer (with a warning).
        Step("follow-up", AgentNames.FollowUpRetrieval, StepPolicy.Optional(options.RetrievalTimeoutMs), ["retrieve"], ("query", query), ("k", options.RetrievalTopK)),
        .. Answer(query, ["retrieve", "follow-up"]),
    ];

    private List<PlanStep> Reasoning(string query, QueryClassification classification)
    {
        var kind = classification.Class == QueryClass.Arithmetic ? "arithmetic" : "conversational";
        return classification.Expression is { } expression
            ? [Step("reason", AgentNames.Reasoning, StepPolicy.Required(options.ReasoningTimeoutMs), [], ("query", query), ("kind", kind), ("expression", expression))]
            : [Step("reason", AgentNames.Reasoning, StepPolicy.Required(options.ReasoningTimeoutMs), [], ("query", query), ("kind", kind))];
    }

    private PlanStep[] Answer(string query, string[] retrievals) =>
    [
        Step("synthesize", AgentNames.Synthesis, StepPolicy.Required(options.SynthesisTimeoutMs), retrievals, ("query", query)),
        Cite(),
    ];

    // Optional: an answer whose citations could not be checked is still worth showing, with a warning.
    private PlanStep Cite() => Step("cite", AgentNames.Citation, StepPolicy.Optional(options.CitationTimeoutMs), ["synthesize"]);

    /// <summary>The query without the compared entities and the comparison wording: what every entity's lookup shares.</summary>
    private static string ComparisonContext(string query, IReadOnlyList<string> entities)
    {
        var context = query;
        // Longest first, and whole tokens only, so "/tmp" does not eat the end of "/var/tmp".
        foreach (var entity in entities.OrderByDescending(e => e.Length))
        {
            context = System.Text.RegularExpressions.Regex.Replace(
                context, $@"(?<![\w/.-]){System.Text.RegularExpressions.Regex.Escape(entity)}(?![\w/-])", " ", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        }

        var kept = context.Split([' ', ',', '?', ';', ':', '.', '!'], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => !ComparisonWords.Contains(w.ToLowerInvariant()));
        return string.Join(' ', kept);
    }

    private static readonly HashSet<string> ComparisonWords = new(StringComparer.Ordinal)
    {
        "compare", "compared", "comparing", "contrast", "difference", "differences", "between", "vs", "versus", "and",
        "or", "with", "to", "the", "what", "what's", "is", "are", "how", "does", "do", "differ", "different", "from",
        "which", "should", "i", "use", "better", "practical", "a", "an",
    };

    private static PlanStep Step(string id, string agent, StepPolicy policy, string[] dependsOn, params (string Name, object Value)[] inputs) => new()
    {
        Id = id,
        Agent = agent,
        DependsOn = dependsOn,
        Policy = policy,
        Inputs = inputs.ToDictionary(i => i.Name, i => JsonSerializer.SerializeToElement(i.Value, AgentRagJson.Options), StringComparer.Ordinal),
    };
}
