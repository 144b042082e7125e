using System.ComponentModel.DataAnnotations;

namespace AgentRag.Server.Telemetry;

/// <summary>Tracing and metrics settings (section <c>AgentRag:Telemetry</c>; docs/operations.md, "Metrics and traces").</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "AgentRag:Telemetry";

    /// <summary>
    /// False turns the OpenTelemetry SDK off: no spans, no metrics, no <c>/metrics</c>, no OTLP export, and log lines
    /// without <c>trace_id</c>. For measuring the telemetry's own cost; default true.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The share of new traces exported, 0–1 (default 1: all). Parent-based: a request whose caller sent a sampled (or
    /// unsampled) <c>traceparent</c> follows the caller. E.g. 0.1 in production.
    /// </summary>
    [Range(0.0, 1.0)]
    public double SamplingRatio { get; set; } = 1.0;

    /// <summary>Export spans that end in error even when their trace is not sampled (default true).</summary>
    public bool KeepErrors { get; set; } = true;
}

/// <summary>The Prometheus scrape endpoint's settings (section <c>AgentRag:Telemetry:Prometheus</c>).</summary>
public sealed class PrometheusOptions
{
    public const string SectionName = "AgentRag:Telemetry:Prometheus";

    /// <summary>
    /// A secret that lets a scraper read <c>/metrics</c> in required-auth mode without an admin key (sent as
    /// <c>Authorization: Bearer …</c>, Prometheus' <c>authorization</c> setting), at least 32 characters. It grants
    /// nothing else. Else <see cref="ScrapeKeyFile"/>; with neither, only a platform administrator reads the metrics.
    /// </summary>
    [MinLength(32)]
    public string? ScrapeKey { get; set; }

    /// <summary>A file holding <see cref="ScrapeKey"/> (e.g. a mounted Kubernetes secret; Prometheus' <c>credentials_file</c>).</summary>
    public string? ScrapeKeyFile { get; set; }
}
