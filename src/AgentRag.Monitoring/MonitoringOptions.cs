using System.ComponentModel.DataAnnotations;
using AgentRag.Monitoring.Alerts;

namespace AgentRag.Monitoring;

/// <summary>The monitoring agent's settings (<c>AgentRag:Monitoring</c>).</summary>
public sealed class MonitoringOptions
{
    public const string SectionName = "AgentRag:Monitoring";

    /// <summary>False: no process runs the monitoring jobs (alerts can still be read and configured).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How long a standby process waits between attempts to take the monitoring lease, and how often the holder looks
    /// for due jobs: after the holder dies, another process runs the jobs within this time.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How far back each rollup run recomputes closed buckets, for usage rows recorded after their bucket closed (a long call).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RollupLateness { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The UTC hour after which the previous day's cost reports are built and sent.</summary>
    [Range(0, 23)]
    public int DailyReportHourUtc { get; set; } = 1;

    public AnomalyOptions Anomalies { get; set; } = new();

    public SmtpOptions Smtp { get; set; } = new();

    public WebhookOptions Webhooks { get; set; } = new();

    /// <summary>The alert settings of a tenant that has stored none, and what a stored one starts from.</summary>
    public AlertSettings DefaultAlerts { get; set; } = AlertSettings.CreateDefault();
}

/// <summary>The anomaly detector's robust baseline (<c>AgentRag:Monitoring:Anomalies</c>).</summary>
public sealed class AnomalyOptions
{
    /// <summary>How many previous days' same hour make the baseline.</summary>
    [Range(3, 60)]
    public int BaselineDays { get; set; } = 7;

    /// <summary>The fewest of those days with enough volume for a baseline; with fewer, nothing is flagged.</summary>
    [Range(2, 60)]
    public int MinimumBaselineDays { get; set; } = 3;

    /// <summary>The fewest model calls in an hour (this hour, and each baseline hour) for its rates to count: a quiet hour never pages.</summary>
    [Range(1, 1_000_000)]
    public int MinimumCalls { get; set; } = 20;

    /// <summary>The fewest failed ingestions in an hour for the ingestion-failure rate to count.</summary>
    [Range(1, 1_000_000)]
    public int MinimumIngestionFailures { get; set; } = 3;

    /// <summary>How many scaled MADs (1.4826 × MAD, a standard deviation for normal data) above the median a value must be.</summary>
    [Range(1.0, 100.0)]
    public double MadMultiplier { get; set; } = 5;

    /// <summary>The least relative rise over the median that is flagged (0.5: 50% above), so a flat baseline (MAD 0) does not flag noise.</summary>
    [Range(0.0, 100.0)]
    public double MinimumRelativeIncrease { get; set; } = 0.5;

    /// <summary>The least rise of the error rate (a share, 0–1) that is flagged.</summary>
    [Range(0.0, 1.0)]
    public double MinimumErrorRateIncrease { get; set; } = 0.1;
}

/// <summary>The SMTP server alerts and cost reports are sent through (<c>AgentRag:Monitoring:Smtp</c>); unset Host: no email.</summary>
public sealed class SmtpOptions
{
    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary><c>StartTls</c> (default), <c>Tls</c> (implicit TLS, port 465), <c>StartTlsWhenAvailable</c> or <c>None</c> (loopback relays only).</summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>The sender address.</summary>
    public string From { get; set; } = "agentrag@localhost";

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>How the SMTP connection is secured.</summary>
public enum SmtpSecurity
{
    StartTls,
    Tls,
    StartTlsWhenAvailable,
    None,
}

/// <summary>Webhook delivery (<c>AgentRag:Monitoring:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    /// <summary>Attempts per delivery (the first and its retries) on 5xx, 429 and timeouts.</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 4;

    /// <summary>The first retry's delay; each further retry doubles it.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>One attempt's timeout.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
