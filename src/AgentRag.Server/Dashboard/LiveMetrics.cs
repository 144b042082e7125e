using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AgentRag.Core.Telemetry;
using AgentRag.Models.Telemetry;
using AgentRag.Monitoring.Jobs;
using Microsoft.Extensions.Options;

namespace AgentRag.Server.Dashboard;

/// <summary>
/// The admin dashboard's live figures, per tenant, in this process: requests (counted by <see cref="DashboardExtensions.UseAgentRagLiveMetrics"/>),
/// agent invocations, query latency, time to first token and tokens per agent (listened to on the product's own
/// instruments, whose measurements carry the tenant), and the users seen recently. Memory is bounded: counts live in
/// fixed rings and latency samples are capped (<see cref="DashboardOptions.MaxLatencySamples"/>). In a cluster each
/// replica counts what it serves; the snapshot says so (<see cref="LiveSnapshot.Coverage"/>). Thread-safe.
/// </summary>
public sealed class LiveMetrics : IDisposable
{
    /// <summary>What a snapshot covers: the process that serves the stream.</summary>
    public const string ProcessCoverage = "process";

    /// <summary>The histogram's upper bucket bounds in milliseconds; a last, open bucket holds the rest.</summary>
    public static readonly IReadOnlyList<double> HistogramBoundsMs = [100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000];

    private const string InvocationsInstrument = "agentrag.agent.invocations";
    private const string QueryInstrument = "agentrag.query.duration";
    private const string FirstTokenInstrument = "agentrag.query.time_to_first_token";
    private const string TokensInstrument = "agentrag.models.tokens";

    private readonly TimeProvider _time;
    private readonly DashboardOptions _options;
    private readonly MeterListener _listener;
    private readonly ConcurrentDictionary<string, TenantFigures> _tenants = new(StringComparer.Ordinal);

    public LiveMetrics(TimeProvider time, IOptions<DashboardOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _options = options.Value;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name is AgentRagTelemetry.MeterName or ModelsTelemetry.Name
                    && instrument.Name is InvocationsInstrument or QueryInstrument or FirstTokenInstrument or TokensInstrument)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Counts one request of <paramref name="caller"/> for <paramref name="tenant"/> now.</summary>
    public void RecordRequest(string tenant, string caller)
    {
        var now = _time.GetUtcNow();
        var figures = For(tenant);
        lock (figures)
        {
            figures.Requests.Add(now, "", 1);
            figures.LastSeen[caller] = now;
        }
    }

    /// <summary>The tenant's figures now.</summary>
    public LiveSnapshot Snapshot(string tenant)
    {
        var now = _time.GetUtcNow();
        var figures = For(tenant);
        lock (figures)
        {
            var seconds = _options.RateWindow.TotalSeconds;
            var requests = figures.Requests.Sum(now, _options.RateWindow).Values.Sum();
            var invocations = figures.Invocations.Sum(now, _options.RateWindow);
            var tokens = figures.Tokens.Sum(now, _options.TokenWindow);
            foreach (var gone in figures.LastSeen.Where(u => u.Value <= now - _options.ActiveUserWindow).Select(u => u.Key).ToList())
            {
                figures.LastSeen.Remove(gone);
            }

            return new LiveSnapshot(
                now, tenant, ProcessCoverage, _options.RateWindow, _options.LatencyWindow, _options.TokenWindow, _options.ActiveUserWindow,
                Math.Round(requests / seconds, 3),
                Math.Round(invocations.Values.Sum() / seconds, 3),
                [.. invocations.OrderBy(i => i.Key, StringComparer.Ordinal).Select(i => new NamedFigure(i.Key, Math.Round(i.Value / seconds, 3)))],
                Distribution(figures.Queries, now),
                Distribution(figures.FirstTokens, now),
                [.. tokens.OrderByDescending(t => t.Value).ThenBy(t => t.Key, StringComparer.Ordinal).Select(t => new NamedFigure(t.Key, t.Value))],
                figures.LastSeen.Count);
        }
    }

    public void Dispose() => _listener.Dispose();

    private TenantFigures For(string tenant) => _tenants.GetOrAdd(tenant, _ => new TenantFigures());

    private void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? tenant = null;
        string? agent = null;
        string? direction = null;
        foreach (var tag in tags)
        {
            switch (tag.Key)
            {
                case "tenant": tenant = tag.Value as string; break;
                case "agent": agent = tag.Value as string; break;
                case "direction": direction = tag.Value as string; break;
            }
        }

        if (tenant is null)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var figures = For(tenant);
        lock (figures)
        {
            switch (instrument.Name)
            {
                case InvocationsInstrument:
                    figures.Invocations.Add(now, agent ?? "none", (long)value);
                    break;
                case TokensInstrument when direction is "input" or "output":
                    figures.Tokens.Add(now, agent ?? "none", (long)value);
                    break;
                case QueryInstrument:
                    Keep(figures.Queries, now, value * 1000);
                    break;
                case FirstTokenInstrument:
                    Keep(figures.FirstTokens, now, value * 1000);
                    break;
            }
        }
    }

    private void Keep(Queue<(DateTimeOffset At, double Ms)> samples, DateTimeOffset now, double ms)
    {
        samples.Enqueue((now, ms));
        while (samples.Count > _options.MaxLatencySamples)
        {
            samples.Dequeue();
        }
    }

    private LatencyDistribution Distribution(Queue<(DateTimeOffset At, double Ms)> samples, DateTimeOffset now)
    {
        while (samples.TryPeek(out var oldest) && oldest.At <= now - _options.LatencyWindow)
        {
            samples.Dequeue();
        }

        var sorted = samples.Select(s => s.Ms).Order().ToList();
        var counts = new long[HistogramBoundsMs.Count + 1];
        foreach (var ms in sorted)
        {
            var bucket = 0;
            while (bucket < HistogramBoundsMs.Count && ms > HistogramBoundsMs[bucket])
            {
                bucket++;
            }

            counts[bucket]++;
        }

        var histogram = counts.Select((count, i) => new HistogramBucket(i < HistogramBoundsMs.Count ? HistogramBoundsMs[i] : null, count)).ToList();
        return sorted.Count == 0
            ? new LatencyDistribution(0, null, null, null, histogram)
            : new LatencyDistribution(sorted.Count, Math.Round(RobustStatistics.NearestRank(sorted, 50), 1),
                Math.Round(RobustStatistics.NearestRank(sorted, 95), 1), Math.Round(RobustStatistics.NearestRank(sorted, 99), 1), histogram);
    }

    /// <summary>One tenant's rings and samples; locked on itself.</summary>
    private sealed class TenantFigures
    {
        public SlidingCounts Requests { get; } = new(TimeSpan.FromSeconds(1), 120);

        public SlidingCounts Invocations { get; } = new(TimeSpan.FromSeconds(1), 120);

        public SlidingCounts Tokens { get; } = new(TimeSpan.FromMinutes(1), 60);

        public Queue<(DateTimeOffset At, double Ms)> Queries { get; } = new();

        public Queue<(DateTimeOffset At, double Ms)> FirstTokens { get; } = new();

        public Dictionary<string, DateTimeOffset> LastSeen { get; } = new(StringComparer.Ordinal);
    }
}

/// <summary>
/// One snapshot of a tenant's live figures (the <c>snapshot</c> event of <c>GET /v1/admin/metrics/stream</c>). Rates are
/// per second over <see cref="RateWindow"/>; latencies (milliseconds, nearest-rank percentiles, null without samples)
/// over <see cref="LatencyWindow"/>; tokens (input + output) per agent over <see cref="TokenWindow"/>; active users are
/// the distinct callers within <see cref="ActiveUserWindow"/>. <see cref="Coverage"/> is <c>process</c>: the figures of the
/// process that serves the stream (in a cluster, one replica's).
/// </summary>
public sealed record LiveSnapshot(
    DateTimeOffset At, string Tenant, string Coverage, TimeSpan RateWindow, TimeSpan LatencyWindow, TimeSpan TokenWindow, TimeSpan ActiveUserWindow,
    double RequestsPerSecond, double AgentInvocationsPerSecond, IReadOnlyList<NamedFigure> InvocationsPerSecondByAgent,
    LatencyDistribution QueryLatency, LatencyDistribution TimeToFirstToken, IReadOnlyList<NamedFigure> TokensByAgent, int ActiveUsers);

/// <summary>A figure with its name (an agent).</summary>
public sealed record NamedFigure(string Name, double Value);

/// <summary>A latency distribution: its sample count, p50/p95/p99 in milliseconds and its histogram.</summary>
public sealed record LatencyDistribution(long Count, double? P50Ms, double? P95Ms, double? P99Ms, IReadOnlyList<HistogramBucket> Histogram);

/// <summary>Samples at or below <see cref="UpperBoundMs"/> (and above the previous bound); null bound: the open last bucket.</summary>
public sealed record HistogramBucket(double? UpperBoundMs, long Count);
