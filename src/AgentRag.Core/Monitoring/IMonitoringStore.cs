namespace AgentRag.Core.Monitoring;

/// <summary>
/// The monitoring agent's durable state: usage rollups, latency percentiles, anomalies, cost reports and job watermarks,
/// and the cross-tenant reads it takes its figures from. Only the monitoring agent writes (one process at a time, by
/// lease); the API and the dashboard read. Thread-safe. Reads take a tenant, or every tenant when it is null.
/// </summary>
public interface IMonitoringStore
{
    /// <summary>The job's watermark (how far it has processed), or null before its first run.</summary>
    Task<DateTimeOffset?> GetWatermarkAsync(string job, CancellationToken cancellationToken = default);

    /// <summary>Sets the job's watermark. Idempotent.</summary>
    Task SetWatermarkAsync(string job, DateTimeOffset value, CancellationToken cancellationToken = default);

    /// <summary>The time of the oldest raw usage row, or null when there is none.</summary>
    Task<DateTimeOffset?> GetFirstUsageTimeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces every rollup of the 5-minute buckets in [<paramref name="from"/>, <paramref name="to"/>) (both on bucket
    /// boundaries, else <see cref="ArgumentException"/>) with the sums of the raw usage rows of those buckets, in one
    /// transaction: idempotent, so re-running a range after late rows arrived corrects it. Returns the rollup rows written.
    /// </summary>
    Task<int> RollUpUsageAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>Rollups of buckets starting in [<paramref name="from"/>, <paramref name="to"/>), by bucket, tenant, model and agent.</summary>
    Task<IReadOnlyList<UsageRollup>> ReadRollupsAsync(string? tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>
    /// Query latencies and times to first token of workflows that finished (<c>done</c>) in [<paramref name="from"/>,
    /// <paramref name="to"/>), and the durations of steps that completed then, from the event log.
    /// </summary>
    Task<IReadOnlyList<LatencySample>> ReadLatencySamplesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces percentiles (keyed by tenant, window, metric and scope). Idempotent.</summary>
    Task SavePercentilesAsync(IReadOnlyList<LatencyPercentiles> percentiles, CancellationToken cancellationToken = default);

    /// <summary>Percentiles of windows starting in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    Task<IReadOnlyList<LatencyPercentiles>> ReadPercentilesAsync(string? tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>Documents whose ingestion failed in [<paramref name="from"/>, <paramref name="to"/>), counted per tenant.</summary>
    Task<IReadOnlyDictionary<string, long>> CountIngestionFailuresAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>Pending approvals expiring in [<paramref name="from"/>, <paramref name="to"/>), soonest first.</summary>
    Task<IReadOnlyList<ExpiringApproval>> ListExpiringApprovalsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores the anomaly unless one of the same tenant, hour, metric and scope is stored already (a re-run of the hour);
    /// true when it was stored.
    /// </summary>
    Task<bool> TryAddAnomalyAsync(Anomaly anomaly, CancellationToken cancellationToken = default);

    /// <summary>Anomalies of hours starting in [<paramref name="from"/>, <paramref name="to"/>), oldest first.</summary>
    Task<IReadOnlyList<Anomaly>> ListAnomaliesAsync(string? tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces the tenant's report of its day. Idempotent.</summary>
    Task SaveCostReportAsync(CostReport report, CancellationToken cancellationToken = default);

    /// <summary>The tenant's report of <paramref name="day"/>, or null.</summary>
    Task<CostReport?> GetCostReportAsync(string tenantId, DateOnly day, CancellationToken cancellationToken = default);

    /// <summary>
    /// The tenant's workflow <c>error</c> events (the reason a workflow failed or was cancelled) stored in
    /// [<paramref name="from"/>, <paramref name="to"/>), newest first, at most <paramref name="limit"/> (1–1000, else
    /// <see cref="ArgumentOutOfRangeException"/>). Read by the admin dashboard's error list.
    /// </summary>
    Task<IReadOnlyList<Events.StoredEvent>> ListWorkflowErrorsAsync(
        string tenantId, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken = default);

    /// <summary>Tenants with raw usage in [<paramref name="from"/>, <paramref name="to"/>) or with stored alert settings, sorted.</summary>
    Task<IReadOnlyList<string>> ListActiveTenantsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);
}
