namespace AgentRag.WebConsole.Api;

// The admin dashboard's wire records (issue 24 part A): what /v1/admin/*, /v1/errors, /v1/alerts and
// /v1/tenant/limits return, as far as the console reads them.

/// <summary>One live snapshot (the <c>snapshot</c> event of <c>GET /v1/admin/metrics/stream</c>).</summary>
public sealed record LiveSnapshot(
    DateTimeOffset At, string Tenant, string Coverage, TimeSpan RateWindow, TimeSpan LatencyWindow, TimeSpan TokenWindow, TimeSpan ActiveUserWindow,
    double RequestsPerSecond, double AgentInvocationsPerSecond, IReadOnlyList<NamedFigure> InvocationsPerSecondByAgent,
    LatencyDistribution QueryLatency, LatencyDistribution TimeToFirstToken, IReadOnlyList<NamedFigure> TokensByAgent, int ActiveUsers);

public sealed record NamedFigure(string Name, double Value);

public sealed record LatencyDistribution(long Count, double? P50Ms, double? P95Ms, double? P99Ms, IReadOnlyList<HistogramBucket> Histogram);

public sealed record HistogramBucket(double? UpperBoundMs, long Count);

public sealed record CostLine(string Name, long Calls, long FailedCalls, long InputTokens, long OutputTokens, long CachedTokens, decimal CostUsd);

public sealed record CostSplit(decimal CostUsd, decimal ChatUsd, decimal EmbeddingUsd, long Calls, long Tokens);

public sealed record DailyCost(DateOnly Day, decimal CostUsd, decimal ChatUsd, decimal EmbeddingUsd);

/// <summary>What <c>GET /v1/admin/costs</c> returns.</summary>
public sealed record CostSummary(
    string Tenant, string Month, DateTimeOffset AsOf, CostSplit? Today, CostSplit? ThisWeek, CostSplit MonthToDate, IReadOnlyList<DailyCost> Days,
    IReadOnlyList<CostLine> ByModel, IReadOnlyList<CostLine> ByAgent, long Queries, decimal? ChatCostPerQueryUsd, long DocumentsReady,
    decimal? EmbeddingCostPerDocumentUsd, decimal MonthEndForecastUsd, string ForecastMethod);

public sealed record LatencyWindowFigures(string TenantId, DateTimeOffset WindowStart, string Metric, string Scope, long Count, double P50Ms, double P95Ms, double P99Ms);

/// <summary>What <c>GET /v1/admin/latency</c> returns.</summary>
public sealed record LatencyHistory(DateTimeOffset From, DateTimeOffset To, TimeSpan Window, IReadOnlyList<LatencyWindowFigures> Windows);

public sealed record MeasuredBytes(string Kind, long Bytes);

public sealed record StorageDay(DateOnly Day, long Documents, long OriginalBytes);

/// <summary>What <c>GET /v1/admin/storage</c> returns.</summary>
public sealed record StorageReport(string Tenant, long Documents, long OriginalBytes, IReadOnlyList<MeasuredBytes> Measured, IReadOnlyList<StorageDay> Growth);

/// <summary>One failure of <c>GET /v1/errors</c>.</summary>
public sealed record ErrorItem(
    string Id, string Kind, string Severity, string Agent, DateTimeOffset At, string Summary, string Message, string? Code,
    string? DocumentId, string? FileName, int? Attempts, bool CanReprocess, string? WorkflowId, string? StepId);

public sealed record ErrorList(IReadOnlyList<ErrorItem> Items, int Total, int Offset, int Limit, DateTimeOffset Since, DateTimeOffset Until);

/// <summary>The error list's filter; blank members are left out of the query.</summary>
public sealed record ErrorFilter(string? Agent, string? Since, string? Until, string? Severity, string? Kind, int Offset = 0, int Limit = 50);

public sealed record AlertDelivery(string Channel, bool Delivered, int Attempts, string? Error, DateTimeOffset At);

public sealed record AlertInfo(
    string Id, string TenantId, string Kind, string Key, string Severity, string Title, string Detail, DateTimeOffset RaisedAt, IReadOnlyList<AlertDelivery> Deliveries);

public sealed record AlertList(IReadOnlyList<AlertInfo> Items);

/// <summary>An alert rule as <c>/v1/alerts/settings</c> holds it (mutable: the settings form edits it).</summary>
public sealed class AlertRuleSettings
{
    public bool Enabled { get; set; } = true;

    public double? Threshold { get; set; }

    public int CooldownMinutes { get; set; } = 60;

    public string Severity { get; set; } = "warning";
}

public sealed class SlackWebhookSettings
{
    public string Url { get; set; } = "";

    public string Secret { get; set; } = "";
}

public sealed class PagerDutySettings
{
    public string Url { get; set; } = "https://events.pagerduty.com/v2/enqueue";

    public string RoutingKey { get; set; } = "";
}

/// <summary>The tenant's alert rules, channels and recipients (secrets come back masked; sending the mask keeps them).</summary>
public sealed class AlertSettingsBody
{
    public Dictionary<string, AlertRuleSettings> Rules { get; set; } = new(StringComparer.Ordinal);

    public List<SlackWebhookSettings> Slack { get; set; } = [];

    public List<PagerDutySettings> PagerDuty { get; set; } = [];

    public List<string> EmailRecipients { get; set; } = [];

    public List<string> ReportRecipients { get; set; } = [];
}

public sealed record RateLimitsInfo(bool Enabled, TimeSpan Window, int RequestsPerWindow, int UploadsPerWindow, int QueriesPerWindow);

public sealed record QuotaUseInfo(string Quota, long Limit, long Used, string Setting);

/// <summary>What <c>GET /v1/tenant/limits</c> returns.</summary>
public sealed record TenantLimitsInfo(string Tenant, RateLimitsInfo RateLimits, IReadOnlyList<QuotaUseInfo> Quotas);
