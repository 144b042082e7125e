using AgentRag.Core.Documents;
using AgentRag.Core.Monitoring;
using AgentRag.Core.Storage;
using AgentRag.Core.Usage;
using static AgentRag.Monitoring.Jobs.CostReporter;

namespace AgentRag.Monitoring.Jobs;

/// <summary>
/// The admin dashboard's cost figures for one tenant and month, read from the usage rollups and the latency
/// percentiles' query counts (the monitoring agent's aggregates), never from the raw usage rows: spend today, this week
/// (ISO, from Monday) and this month, split into chat and embeddings, per day, per model and per agent, per query and
/// per document, and a month-end forecast. The rollups trail the clock by up to one rollup interval (5 minutes).
/// Thread-safe.
/// </summary>
public sealed class CostSummaries(IMonitoringStore store, IDocumentStore documents, TimeProvider time)
{
    /// <summary>How the forecast is made, as the summary states it.</summary>
    public const string ForecastMethod =
        "linear: the month's spend so far divided by the days elapsed (at least one), times the days in the month; a past month's forecast is its spend";

    /// <summary>Spend over a period, split into chat (every call that is not an embedding) and embeddings.</summary>
    public sealed record CostSplit(decimal CostUsd, decimal ChatUsd, decimal EmbeddingUsd, long Calls, long Tokens);

    /// <summary>One UTC day's spend.</summary>
    public sealed record DailyCost(DateOnly Day, decimal CostUsd, decimal ChatUsd, decimal EmbeddingUsd);

    /// <summary>
    /// A month's cost figures. <see cref="Today"/> and <see cref="ThisWeek"/> are null for a past month. Per query is the
    /// chat spend over the queries answered (percentile counts), per document the embedding spend over the documents
    /// that became ready; each null when there were none.
    /// </summary>
    public sealed record CostSummary(
        string Tenant, string Month, DateTimeOffset AsOf, CostSplit? Today, CostSplit? ThisWeek, CostSplit MonthToDate, IReadOnlyList<DailyCost> Days,
        IReadOnlyList<CostLine> ByModel, IReadOnlyList<CostLine> ByAgent, long Queries, decimal? ChatCostPerQueryUsd, long DocumentsReady,
        decimal? EmbeddingCostPerDocumentUsd, decimal MonthEndForecastUsd, string ForecastMethod);

    /// <summary>
    /// The summary of <paramref name="tenantId"/>'s month <paramref name="month"/> (its first day; the current month when
    /// null). Throws <see cref="ArgumentOutOfRangeException"/> for a month after the current one.
    /// </summary>
    public async Task<CostSummary> BuildAsync(string tenantId, DateOnly? month = null, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var first = month ?? new DateOnly(today.Year, today.Month, 1);
        var current = first.Year == today.Year && first.Month == today.Month;
        if (first > today)
        {
            throw new ArgumentOutOfRangeException(nameof(month), month, $"The month {first:yyyy-MM} has not begun (today is {today:yyyy-MM-dd}).");
        }

        var start = MonitoringJobs.Start(first);
        var end = current ? now : MonitoringJobs.Start(first.AddMonths(1));
        var weekStart = MonitoringJobs.Start(today.AddDays(-(((int)today.DayOfWeek + 6) % 7)));
        var rollups = await store.ReadRollupsAsync(tenantId, current && weekStart < start ? weekStart : start, end, cancellationToken);
        var inMonth = rollups.Where(r => r.BucketStart >= start).ToList();
        var days = inMonth.GroupBy(r => DateOnly.FromDateTime(r.BucketStart.UtcDateTime))
            .Select(g => new DailyCost(g.Key, Usd(g.Sum(r => r.CostNanoUsd)), Usd(g.Sum(r => r.CostNanoUsd - r.EmbeddingCostNanoUsd)), Usd(g.Sum(r => r.EmbeddingCostNanoUsd))))
            .OrderBy(d => d.Day).ToList();

        var queries = (await store.ReadPercentilesAsync(tenantId, start, end, cancellationToken))
            .Where(p => p.Metric == LatencyMetrics.Query && p.Scope.Length == 0).Sum(p => p.Count);
        var ready = await CountReadyAsync(tenantId, start, end, cancellationToken);
        var total = Split(inMonth);
        var daysInMonth = DateTime.DaysInMonth(first.Year, first.Month);
        var elapsedDays = Math.Max(1m, (decimal)(end - start).TotalDays);
        var forecast = current ? decimal.Round(total.CostUsd / elapsedDays * daysInMonth, 6) : total.CostUsd;
        return new CostSummary(
            tenantId, first.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture), now,
            current ? Split(rollups.Where(r => r.BucketStart >= MonitoringJobs.Start(today))) : null,
            current ? Split(rollups.Where(r => r.BucketStart >= weekStart)) : null,
            total, days,
            [.. inMonth.GroupBy(r => r.Model).Select(g => Line(g.Key, g)).OrderByDescending(l => l.CostUsd).ThenBy(l => l.Name, StringComparer.Ordinal)],
            [.. inMonth.GroupBy(r => r.Agent).Select(g => Line(g.Key.Length == 0 ? "(none)" : g.Key, g)).OrderByDescending(l => l.CostUsd).ThenBy(l => l.Name, StringComparer.Ordinal)],
            queries, queries == 0 ? null : decimal.Round(total.ChatUsd / queries, 9),
            ready, ready == 0 ? null : decimal.Round(total.EmbeddingUsd / ready, 9),
            forecast, ForecastMethod);
    }

    private static CostSplit Split(IEnumerable<UsageRollup> rollups)
    {
        var list = rollups.ToList();
        var embedding = list.Sum(r => r.EmbeddingCostNanoUsd);
        var cost = list.Sum(r => r.CostNanoUsd);
        return new CostSplit(Usd(cost), Usd(cost - embedding), Usd(embedding), list.Sum(r => r.Calls), list.Sum(r => r.InputTokens + r.OutputTokens));
    }

    private static decimal Usd(long nanoUsd) => NanoUsd.ToUsd(nanoUsd);

    /// <summary>The tenant's documents that became ready in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    private async Task<long> CountReadyAsync(string tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        long count = 0;
        await foreach (var document in TenantDocuments.AllAsync(documents, tenantId, DocumentStatus.Ready, cancellationToken))
        {
            if (document.ReadyAt >= from && document.ReadyAt < to)
            {
                count++;
            }
        }

        return count;
    }
}
