namespace AgentRag.Core.Usage;

/// <summary>What usage aggregates are grouped by.</summary>
public enum UsageGroupBy
{
    Agent,
    Model,
    Tenant,
    Day,
    Session,
    Profile,
    Prompt,
    Workflow,
}

/// <summary>
/// A usage aggregation: calls in [<see cref="From"/>, <see cref="To"/>) for one tenant (or every tenant when
/// <see cref="TenantId"/> is null), grouped by <see cref="GroupBy"/>.
/// </summary>
public sealed record UsageQuery(string? TenantId, DateTimeOffset? From, DateTimeOffset? To, UsageGroupBy GroupBy);

/// <summary>Sums over a set of calls. Token and cost sums are exact.</summary>
public sealed record UsageTotals(
    long Calls, long FailedCalls, long EstimatedCalls, long InputTokens, long OutputTokens, long CachedTokens, long CostNanoUsd, double AverageLatencyMs)
{
    public static UsageTotals Empty { get; } = new(0, 0, 0, 0, 0, 0, 0, 0);

    public long TotalTokens => InputTokens + OutputTokens;

    public decimal CostUsd => NanoUsd.ToUsd(CostNanoUsd);
}

/// <summary>One group of a <see cref="UsageReport"/>; <see cref="Key"/> is null for calls without that attribute (e.g. no session).</summary>
public sealed record UsageGroup(string? Key, UsageTotals Totals);

/// <summary>The answer to a <see cref="UsageQuery"/>: groups ordered by cost (highest first), then key, and the overall totals.</summary>
public sealed record UsageReport(UsageQuery Query, IReadOnlyList<UsageGroup> Groups, UsageTotals Totals);

/// <summary>Filters for listing individual usage rows, newest first.</summary>
public sealed record UsageListQuery(string? TenantId, DateTimeOffset? From = null, DateTimeOffset? To = null, int Limit = 100);
