using System.ComponentModel.DataAnnotations;

namespace AgentRag.Server.Dashboard;

/// <summary>The admin dashboard's live figures (section <c>AgentRag:Dashboard</c>; docs/configuration.md).</summary>
public sealed class DashboardOptions
{
    public const string SectionName = "AgentRag:Dashboard";

    /// <summary>How often <c>GET /v1/admin/metrics/stream</c> sends a snapshot (default 5 s; 1 s to 1 min).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The window requests/s and agent invocations/s are averaged over (default 10 s; 1 s to 2 min).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:02:00")]
    public TimeSpan RateWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The window of the live latency histogram and its percentiles (default 15 min; 1 min to 1 h).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan LatencyWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The window of the live tokens per agent (default 1 h; 1 min to 1 h).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan TokenWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A user who made a request within this window is active (default 5 min; 1 min to 1 h).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan ActiveUserWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most latency samples kept per tenant and metric within <see cref="LatencyWindow"/> (the oldest go first; default 10,000).</summary>
    [Range(100, 1_000_000)]
    public int MaxLatencySamples { get; set; } = 10_000;
}
