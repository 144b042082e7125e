using System.Globalization;
using System.Text.Json;
using AgentRag.Core;
using AgentRag.Core.Monitoring;
using AgentRag.Core.Serialization;
using AgentRag.Monitoring.Alerts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Monitoring.Jobs;

/// <summary>
/// The monitoring agent's four jobs, each resumable from its watermark in <see cref="IMonitoringStore"/> and
/// idempotent (re-running a window replaces what it wrote): usage rollups every 5 minutes, latency percentiles every 15,
/// anomaly detection hourly, and the daily cost reports. Each job processes the whole windows that have closed by the
/// injected clock's now. One caller at a time (the lease holder); not thread-safe for concurrent calls.
/// </summary>
public sealed partial class MonitoringJobs(
    IMonitoringStore store, AlertService alerts, CostReporter reports, IOptions<MonitoringOptions> options, TimeProvider time, ILogger<MonitoringJobs> logger)
{
    public const string RollupJob = "usage-rollups";
    public const string PercentileJob = "latency-percentiles";
    public const string AnomalyJob = "anomalies";
    public const string ReportJob = "cost-reports";

    /// <summary>The most a run catches up on at once, so a long pause resumes in bounded steps.</summary>
    private static readonly TimeSpan MaxCatchUp = TimeSpan.FromDays(1);

    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private readonly MonitoringOptions _options = options.Value;

    /// <summary>Runs every job that has a closed window to process, in order; then the alert rules. Returns what ran.</summary>
    public async Task<IReadOnlyList<string>> RunDueAsync(CancellationToken cancellationToken = default)
    {
        var ran = new List<string>();
        if (await RollUpAsync(cancellationToken) > 0)
        {
            ran.Add(RollupJob);
        }

        if (await ComputePercentilesAsync(cancellationToken) > 0)
        {
            ran.Add(PercentileJob);
        }

        if (await DetectAnomaliesAsync(cancellationToken) > 0)
        {
            ran.Add(AnomalyJob);
        }

        if (await SendDailyReportsAsync(cancellationToken) > 0)
        {
            ran.Add(ReportJob);
        }

        await alerts.CheckRulesAsync(cancellationToken);
        return ran;
    }

    /// <summary>
    /// Rolls up the buckets closed since the watermark (and <see cref="MonitoringOptions.RollupLateness"/> before it, for
    /// late rows); returns the buckets processed (0 when none had closed).
    /// </summary>
    public async Task<int> RollUpAsync(CancellationToken cancellationToken = default)
    {
        var bucket = MonitoringWindows.RollupBucket;
        var end = MonitoringWindows.Floor(time.GetUtcNow(), bucket);
        var watermark = await store.GetWatermarkAsync(RollupJob, cancellationToken)
            ?? (await store.GetFirstUsageTimeAsync(cancellationToken) is { } first ? MonitoringWindows.Floor(first, bucket) : end);
        if (watermark >= end)
        {
            return 0;
        }

        var start = MonitoringWindows.Floor(watermark - _options.RollupLateness, bucket);
        var stop = Min(end, watermark + MaxCatchUp);
        var rows = await store.RollUpUsageAsync(start, stop, cancellationToken);
        await store.SetWatermarkAsync(RollupJob, stop, cancellationToken);
        LogRolledUp(rows, start, stop);
        return (int)((stop - watermark) / bucket);
    }

    /// <summary>Computes p50/p95/p99 for the 15-minute windows closed since the watermark; returns the windows processed.</summary>
    public async Task<int> ComputePercentilesAsync(CancellationToken cancellationToken = default)
    {
        var window = MonitoringWindows.PercentileWindow;
        var end = MonitoringWindows.Floor(time.GetUtcNow(), window);
        var start = await store.GetWatermarkAsync(PercentileJob, cancellationToken) ?? end - window;
        var windows = 0;
        for (var from = start; from < end && from < start + MaxCatchUp; from += window, windows++)
        {
            var samples = await store.ReadLatencySamplesAsync(from, from + window, cancellationToken);
            var percentiles = samples
                .GroupBy(s => (s.TenantId, s.Metric, s.Scope))
                .Select(g =>
                {
                    var sorted = g.Select(s => s.Milliseconds).Order().ToArray();
                    return new LatencyPercentiles(g.Key.TenantId, from, g.Key.Metric, g.Key.Scope, sorted.Length,
                        RobustStatistics.NearestRank(sorted, 50), RobustStatistics.NearestRank(sorted, 95), RobustStatistics.NearestRank(sorted, 99));
                })
                .ToList();
            await store.SavePercentilesAsync(percentiles, cancellationToken);
            await store.SetWatermarkAsync(PercentileJob, from + window, cancellationToken);
        }

        return windows;
    }

    /// <summary>
    /// Looks for anomalies in each hour closed since the watermark (needs that hour rolled up first: runs only up to the
    /// rollup watermark); records each with its evidence and raises an <c>anomaly</c> alert. Returns the hours processed.
    /// </summary>
    public async Task<int> DetectAnomaliesAsync(CancellationToken cancellationToken = default)
    {
        var rolledUpTo = await store.GetWatermarkAsync(RollupJob, cancellationToken);
        if (rolledUpTo is null)
        {
            return 0;
        }

        var end = MonitoringWindows.Floor(Min(time.GetUtcNow(), rolledUpTo.Value), Hour);
        var start = await store.GetWatermarkAsync(AnomalyJob, cancellationToken) ?? end - Hour;
        var hours = 0;
        for (var hour = start; hour < end && hour < start + MaxCatchUp; hour += Hour, hours++)
        {
            var detector = new AnomalyDetector(_options.Anomalies);
            var baselineStart = hour - TimeSpan.FromDays(_options.Anomalies.BaselineDays);
            var rollups = await store.ReadRollupsAsync(null, baselineStart, hour + Hour, cancellationToken);
            var failures = new List<(DateTimeOffset Hour, IReadOnlyDictionary<string, long> Counts)>();
            for (var day = 0; day <= _options.Anomalies.BaselineDays; day++)
            {
                var h = hour - TimeSpan.FromDays(day);
                failures.Add((h, await store.CountIngestionFailuresAsync(h, h + Hour, cancellationToken)));
            }

            foreach (var anomaly in detector.Detect(hour, rollups, failures, time.GetUtcNow()))
            {
                if (await store.TryAddAnomalyAsync(anomaly, cancellationToken))
                {
                    LogAnomaly(anomaly.TenantId, anomaly.Metric, anomaly.Scope, anomaly.Value, anomaly.Threshold);
                    await alerts.RaiseAnomalyAsync(anomaly, cancellationToken);
                }
            }

            await store.SetWatermarkAsync(AnomalyJob, hour + Hour, cancellationToken);
        }

        return hours;
    }

    /// <summary>
    /// Builds, stores and emails each active tenant's cost report for every UTC day closed since the watermark, once the
    /// day is rolled up and <see cref="MonitoringOptions.DailyReportHourUtc"/> has passed. Returns the days processed.
    /// </summary>
    public async Task<int> SendDailyReportsAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var rolledUpTo = await store.GetWatermarkAsync(RollupJob, cancellationToken);
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (rolledUpTo is null || now.UtcDateTime.Hour < _options.DailyReportHourUtc)
        {
            return 0;
        }

        var lastDay = today.AddDays(-1);
        var first = await store.GetWatermarkAsync(ReportJob, cancellationToken) is { } watermark ? DateOnly.FromDateTime(watermark.UtcDateTime) : lastDay;
        var days = 0;
        for (var day = first; day <= lastDay && Start(day.AddDays(1)) <= rolledUpTo.Value; day = day.AddDays(1), days++)
        {
            foreach (var tenant in await store.ListActiveTenantsAsync(Start(day.AddDays(-31)), Start(day.AddDays(1)), cancellationToken))
            {
                var report = await reports.BuildAsync(tenant, day, cancellationToken);
                await store.SaveCostReportAsync(report, cancellationToken);
                await alerts.SendReportAsync(report, cancellationToken);
            }

            await store.SetWatermarkAsync(ReportJob, Start(day.AddDays(1)), cancellationToken);
        }

        return days;
    }

    internal static DateTimeOffset Start(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rolled up usage of [{From}, {To}): {Rows} rollup rows.")]
    private partial void LogRolledUp(int rows, DateTimeOffset from, DateTimeOffset to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Anomaly for tenant {Tenant}: {Metric} {Scope} at {Value} (threshold {Threshold}).")]
    private partial void LogAnomaly(string tenant, string metric, string scope, double value, double threshold);
}
