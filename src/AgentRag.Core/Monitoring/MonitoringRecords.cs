namespace AgentRag.Core.Monitoring;

/// <summary>The fixed windows the monitoring agent aggregates over, in one place.</summary>
public static class MonitoringWindows
{
    /// <summary>The length of a usage rollup bucket.</summary>
    public static readonly TimeSpan RollupBucket = TimeSpan.FromMinutes(5);

    /// <summary>The length of a latency percentile window.</summary>
    public static readonly TimeSpan PercentileWindow = TimeSpan.FromMinutes(15);

    /// <summary>The start of the window of length <paramref name="window"/> that holds <paramref name="time"/> (UTC, aligned to midnight).</summary>
    public static DateTimeOffset Floor(DateTimeOffset time, TimeSpan window)
    {
        var ticks = time.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % window.Ticks), TimeSpan.Zero);
    }
}

/// <summary>
/// The sums of one tenant's model calls on one model by one agent (empty: calls outside an agent) in the 5-minute bucket
/// starting at <see cref="BucketStart"/>. Every sum equals the sum of the raw usage rows of that bucket, exactly.
/// <see cref="EmbeddingCostNanoUsd"/> is the part of <see cref="CostNanoUsd"/> spent on embedding calls (the rest is chat).
/// </summary>
public sealed record UsageRollup(
    string TenantId, DateTimeOffset BucketStart, string Model, string Agent, long Calls, long FailedCalls, long InputTokens,
    long OutputTokens, long CachedTokens, long CostNanoUsd, double LatencyMsSum, long EmbeddingCostNanoUsd = 0);

/// <summary>What a latency percentile measures.</summary>
public static class LatencyMetrics
{
    /// <summary>A query's workflow from its first event to <c>done</c>.</summary>
    public const string Query = "query";

    /// <summary>A query's workflow from its first event to its first <c>token</c>.</summary>
    public const string TimeToFirstToken = "ttft";

    /// <summary>One workflow step, as its <c>step.completed</c> event reports it; the scope is the step's agent.</summary>
    public const string Step = "step";
}

/// <summary>One latency figure read back from the event log: <see cref="Scope"/> is the agent for a step, else empty.</summary>
public sealed record LatencySample(string TenantId, string Metric, string Scope, double Milliseconds);

/// <summary>p50/p95/p99 (nearest rank) of one tenant's <see cref="Metric"/> (see <see cref="LatencyMetrics"/>) in one 15-minute window.</summary>
public sealed record LatencyPercentiles(
    string TenantId, DateTimeOffset WindowStart, string Metric, string Scope, long Count, double P50Ms, double P95Ms, double P99Ms);

/// <summary>
/// A rate that left its baseline: <see cref="Value"/> in the hour starting at <see cref="HourStart"/> against the median
/// (and MAD) of the same hour on previous days. <see cref="Evidence"/> is a JSON object with the figures it rests on.
/// </summary>
public sealed record Anomaly(
    string Id, string TenantId, DateTimeOffset HourStart, string Metric, string Scope, double Value, double BaselineMedian,
    double BaselineMad, double Threshold, long Volume, string Evidence, DateTimeOffset DetectedAt);

/// <summary>A tenant's stored daily cost report: the JSON form, and the readable text and HTML forms of the same figures.</summary>
public sealed record CostReport(string TenantId, DateOnly Day, string Json, string Text, string Html, DateTimeOffset CreatedAt);

/// <summary>A pending approval that expires soon (read across tenants by the monitoring agent).</summary>
public sealed record ExpiringApproval(string TenantId, string ApprovalId, string WorkflowId, DateTimeOffset ExpiresAt);
