using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AgentRag.Models.Telemetry;

/// <summary>The model layer's <see cref="ActivitySource"/> and <see cref="Meter"/>, both named <c>AgentRag.Models</c>.</summary>
public static class ModelsTelemetry
{
    public const string Name = "AgentRag.Models";

    public static readonly ActivitySource ActivitySource = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Calls = Meter.CreateCounter<long>("agentrag.models.calls", description: "Model calls by profile, model and outcome.");

    private static readonly Counter<long> Tokens = Meter.CreateCounter<long>("agentrag.models.tokens", "{token}", "Tokens by profile, model, agent, tenant and direction (input, output, cached).");

    private static readonly Counter<double> Cost = Meter.CreateCounter<double>("agentrag.models.cost", "USD", "Cost of model calls by profile, model, agent and tenant.");

    private static readonly Histogram<double> Latency = Meter.CreateHistogram<double>("agentrag.models.latency", "ms", "Latency of model calls.");

    private static readonly Counter<long> Retries = Meter.CreateCounter<long>("agentrag.models.retries", description: "Retried model call attempts.");

    private static readonly Counter<long> BreakerOpened = Meter.CreateCounter<long>("agentrag.models.breaker.opened", description: "Circuit breaker openings per profile.");

    private static readonly Counter<long> Fallbacks = Meter.CreateCounter<long>("agentrag.models.fallbacks", description: "Calls answered by the fallback profile.");

    private static readonly Counter<long> BudgetEvents = Meter.CreateCounter<long>("agentrag.models.budget", description: "Budget warnings, downgrades and rejections.");

    private static readonly Counter<long> CacheLookups = Meter.CreateCounter<long>("agentrag.models.cache.lookups", description: "Cache lookups by cache (embedding, response) and result (hit, miss).");

    /// <summary>
    /// Records one model call. Tokens and cost carry the <c>agent</c> (<c>none</c> outside a workflow step) and the
    /// <c>tenant</c>: tenants and agents are few, so the series stay bounded (no per-workflow or per-query labels).
    /// </summary>
    internal static void RecordCall(string profile, string model, string outcome, long input, long output, long cached, decimal costUsd, TimeSpan latency, string? agent, string tenant)
    {
        var tags = new TagList { { "profile", profile }, { "model", model }, { "outcome", outcome } };
        Calls.Add(1, tags);
        Latency.Record(latency.TotalMilliseconds, tags);
        agent ??= "none";
        Tokens.Add(input, new TagList { { "profile", profile }, { "model", model }, { "agent", agent }, { "tenant", tenant }, { "direction", "input" } });
        Tokens.Add(output, new TagList { { "profile", profile }, { "model", model }, { "agent", agent }, { "tenant", tenant }, { "direction", "output" } });
        Tokens.Add(cached, new TagList { { "profile", profile }, { "model", model }, { "agent", agent }, { "tenant", tenant }, { "direction", "cached" } });
        Cost.Add((double)costUsd, new TagList { { "profile", profile }, { "model", model }, { "agent", agent }, { "tenant", tenant } });
    }

    internal static void RecordRetry(string profile) => Retries.Add(1, new TagList { { "profile", profile } });

    internal static void RecordBreakerOpened(string profile) => BreakerOpened.Add(1, new TagList { { "profile", profile } });

    internal static void RecordFallback(string fromProfile) => Fallbacks.Add(1, new TagList { { "from", fromProfile } });

    internal static void RecordBudget(string budget, string action) => BudgetEvents.Add(1, new TagList { { "budget", budget }, { "action", action } });

    internal static void RecordCacheLookup(string cache, bool hit) => CacheLookups.Add(1, new TagList { { "cache", cache }, { "result", hit ? "hit" : "miss" } });
}
