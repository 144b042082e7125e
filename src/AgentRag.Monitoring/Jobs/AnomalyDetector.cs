using System.Globalization;
using System.Text.Json;
using AgentRag.Core;
using AgentRag.Core.Monitoring;
using AgentRag.Core.Serialization;

namespace AgentRag.Monitoring.Jobs;

/// <summary>The rates the anomaly detector watches, by their stored names.</summary>
public static class AnomalyMetrics
{
    /// <summary>Failed model calls per model call, per tenant.</summary>
    public const string ErrorRate = "error_rate";

    /// <summary>Nano-USD per model call, per tenant.</summary>
    public const string CostPerCall = "cost_per_call";

    /// <summary>Mean model-call latency (ms), per tenant.</summary>
    public const string Latency = "latency_ms";

    /// <summary>Tokens (input + output) per model call, per tenant and agent (the scope).</summary>
    public const string TokensPerCall = "tokens_per_call";

    /// <summary>Documents whose ingestion failed in the hour, per tenant.</summary>
    public const string IngestionFailures = "ingestion_failures";
}

/// <summary>
/// Flags rates that rose far above their robust baseline: the median and MAD of the same hour on previous days. A rate is
/// flagged when (1) this hour has the minimum volume, (2) enough baseline days had it too, and (3) it exceeds
/// median + max(k × 1.4826 × MAD, r × median, floor). Only rises are flagged. So a quiet night (low volume) and one slow
/// call (a mean over at least the minimum volume, against a median of days) do not page. Pure: no I/O.
/// </summary>
public sealed class AnomalyDetector(AnomalyOptions options)
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    /// <summary>
    /// The anomalies of the hour starting at <paramref name="hour"/>, from <paramref name="rollups"/> (covering that hour
    /// and the baseline days before it) and the ingestion failures counted per tenant for each of those hours.
    /// </summary>
    public IReadOnlyList<Anomaly> Detect(
        DateTimeOffset hour, IReadOnlyList<UsageRollup> rollups,
        IReadOnlyList<(DateTimeOffset Hour, IReadOnlyDictionary<string, long> Counts)> ingestionFailures, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rollups);
        ArgumentNullException.ThrowIfNull(ingestionFailures);
        var anomalies = new List<Anomaly>();

        // day 0 is the hour examined; day d the same hour d days before.
        int? DayOf(DateTimeOffset bucket)
        {
            var back = hour - MonitoringWindows.Floor(bucket, Hour);
            return back.Ticks % TimeSpan.TicksPerDay == 0 && back >= TimeSpan.Zero && back.Days <= options.BaselineDays ? back.Days : null;
        }

        var byTenant = rollups.Select(r => (Rollup: r, Day: DayOf(r.BucketStart))).Where(x => x.Day is not null).GroupBy(x => x.Rollup.TenantId);
        foreach (var tenant in byTenant)
        {
            var perDay = tenant.GroupBy(x => x.Day!.Value).ToDictionary(g => g.Key, g => g.Select(x => x.Rollup).ToList());
            Check(tenant.Key, AnomalyMetrics.ErrorRate, "", perDay, rs => Rate(rs, r => r.FailedCalls), options.MinimumErrorRateIncrease);
            Check(tenant.Key, AnomalyMetrics.CostPerCall, "", perDay, rs => Rate(rs, r => r.CostNanoUsd), 0);
            Check(tenant.Key, AnomalyMetrics.Latency, "", perDay, rs => Rate(rs, r => r.LatencyMsSum), 0);
            foreach (var agent in tenant.Select(x => x.Rollup.Agent).Where(a => a.Length > 0).Distinct(StringComparer.Ordinal))
            {
                var agentDays = perDay.ToDictionary(d => d.Key, d => d.Value.Where(r => r.Agent == agent).ToList());
                Check(tenant.Key, AnomalyMetrics.TokensPerCall, agent, agentDays, rs => Rate(rs, r => r.InputTokens + r.OutputTokens), 0);
            }
        }

        foreach (var tenant in ingestionFailures.SelectMany(f => f.Counts.Keys).Distinct(StringComparer.Ordinal))
        {
            var samples = ingestionFailures
                .Select(f => (Day: DayOf(f.Hour), Count: f.Counts.GetValueOrDefault(tenant)))
                .Where(s => s.Day is not null)
                .ToDictionary(s => s.Day!.Value, s => ((double)s.Count, s.Count));
            Evaluate(tenant, AnomalyMetrics.IngestionFailures, "", samples, options.MinimumIngestionFailures, baselineNeedsVolume: false, floor: 0);
        }

        return anomalies;

        void Check(string tenant, string metric, string scope, Dictionary<int, List<UsageRollup>> days, Func<List<UsageRollup>, double> rate, double floor)
        {
            var samples = days.Where(d => d.Value.Count > 0).ToDictionary(d => d.Key, d => (rate(d.Value), d.Value.Sum(r => r.Calls)));
            Evaluate(tenant, metric, scope, samples, options.MinimumCalls, baselineNeedsVolume: true, floor);
        }

        void Evaluate(string tenant, string metric, string scope, Dictionary<int, (double Value, long Volume)> samples, long minimumVolume, bool baselineNeedsVolume, double floor)
        {
            if (!samples.TryGetValue(0, out var current) || current.Volume < minimumVolume)
            {
                return;
            }

            var baseline = Enumerable.Range(1, options.BaselineDays)
                .Select(d => (Day: d, Sample: samples.TryGetValue(d, out var s) ? s : (Value: 0.0, Volume: 0L)))
                .Where(b => !baselineNeedsVolume || b.Sample.Volume >= minimumVolume)
                .ToList();
            if (baseline.Count < options.MinimumBaselineDays)
            {
                return;
            }

            var values = baseline.Select(b => b.Sample.Value).ToArray();
            var median = RobustStatistics.Median(values);
            var mad = RobustStatistics.MedianAbsoluteDeviation(values);
            var threshold = median + Math.Max(Math.Max(options.MadMultiplier * RobustStatistics.MadScale * mad, options.MinimumRelativeIncrease * Math.Abs(median)), floor);
            if (current.Value <= threshold)
            {
                return;
            }

            var evidence = JsonSerializer.Serialize(new
            {
                metric,
                scope,
                hour,
                value = current.Value,
                volume = current.Volume,
                baseline = baseline.Select(b => new { hour = hour - TimeSpan.FromDays(b.Day), value = b.Sample.Value, volume = b.Sample.Volume }),
                median,
                mad,
                threshold,
                rule = string.Create(CultureInfo.InvariantCulture,
                    $"value > median + max({options.MadMultiplier} x 1.4826 x MAD, {options.MinimumRelativeIncrease} x median, {floor}); volume >= {minimumVolume}"),
            }, AgentRagJson.Options);
            anomalies.Add(new Anomaly(Ids.New("anm"), tenant, hour, metric, scope, current.Value, median, mad, threshold, current.Volume, evidence, now));
        }
    }

    private static double Rate(List<UsageRollup> rollups, Func<UsageRollup, double> numerator)
    {
        var calls = rollups.Sum(r => r.Calls);
        return calls == 0 ? 0 : rollups.Sum(numerator) / calls;
    }
}
