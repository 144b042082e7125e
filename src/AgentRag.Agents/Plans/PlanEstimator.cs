namespace AgentRag.Agents.Plans;

/// <summary>
/// Estimates a plan's model calls, tokens, cost and latency from each agent's <see cref="AgentCostProfile"/>.
/// Latency is the longest dependency path (parallel steps overlap); cost uses <see cref="ModelPricing"/>.
/// Thread-safe.
/// </summary>
public sealed class PlanEstimator(AgentCatalog catalog, ModelPricing pricing)
{
    /// <summary>Estimates a valid plan. With <paramref name="modelAvailable"/> false, model-using agents run locally (extractive).</summary>
    public PlanEstimate Estimate(Plan plan, bool modelAvailable)
    {
        ArgumentNullException.ThrowIfNull(plan);
        int calls = 0, input = 0, output = 0;
        var finish = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var step in PlanValidator.TopologicalOrder(plan))
        {
            var cost = catalog.TryGet(step.Agent, out var agent) ? agent.Descriptor.Cost : new AgentCostProfile();
            var usesModel = modelAvailable && cost.ModelCalls > 0;
            if (usesModel)
            {
                calls += cost.ModelCalls;
                input += cost.InputTokens;
                output += cost.OutputTokens;
            }

            var latency = usesModel ? cost.ModelLatencyMs : cost.LocalLatencyMs;
            var start = step.DependsOn.Count == 0 ? 0 : step.DependsOn.Max(d => finish.GetValueOrDefault(d));
            finish[step.Id] = start + latency;
        }

        var usd = (input * pricing.InputUsdPerMillionTokens / 1_000_000m) + (output * pricing.OutputUsdPerMillionTokens / 1_000_000m);
        return new PlanEstimate(calls, input, output, decimal.Round(usd, 6), finish.Count == 0 ? 0 : finish.Values.Max());
    }
}

/// <summary>Prices of the chat model for estimates (USD per million tokens); 0 when unknown.</summary>
public sealed record ModelPricing(decimal InputUsdPerMillionTokens = 0m, decimal OutputUsdPerMillionTokens = 0m);
