using AgentRag.Core.Events;
using AgentRag.Core.Monitoring;

namespace AgentRag.Storage.Sqlite.Monitoring;

/// <summary>
/// <see cref="IMonitoringStore"/> over the embedded store's monitoring tables (migration 14). Writes go through the
/// group-commit writer queue, each call in one transaction. Thread-safe.
/// </summary>
public sealed class SqliteMonitoringStore(SqliteDatabase database) : IMonitoringStore
{
    private const string RollupColumns =
        "tenant_id, bucket, model, agent, calls, failed_calls, input_tokens, output_tokens, cached_tokens, cost_nano_usd, latency_ms_sum, embedding_cost_nano_usd";

    private const string AnomalyColumns =
        "tenant_id, id, hour_start, metric, scope, value, baseline_median, baseline_mad, threshold, volume, evidence, detected_at";

    public Task<DateTimeOffset?> GetWatermarkAsync(string job, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(job);
        return database.ReadAsync(connection =>
        {
            using var statement = connection.Prepare("SELECT value FROM monitoring_watermarks WHERE job = @job");
            statement.Bind("@job", job);
            return statement.Step() ? Utc(statement.GetInt64(0)) : (DateTimeOffset?)null;
        }, cancellationToken);
    }

    public Task SetWatermarkAsync(string job, DateTimeOffset value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(job);
        return database.WriteAsync(connection =>
        {
            using var statement = connection.Prepare(
                "INSERT INTO monitoring_watermarks (job, value) VALUES (@job, @value) ON CONFLICT (job) DO UPDATE SET value = excluded.value");
            statement.Bind("@job", job).Bind("@value", value.UtcTicks).Execute();
        }, cancellationToken);
    }

    public Task<DateTimeOffset?> GetFirstUsageTimeAsync(CancellationToken cancellationToken = default) =>
        database.ReadAsync(connection =>
        {
            using var statement = connection.Prepare("SELECT min(ts) FROM usage");
            statement.Step();
            return statement.GetNullableInt64(0) is { } ticks ? Utc(ticks) : (DateTimeOffset?)null;
        }, cancellationToken);

    public Task<int> RollUpUsageAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        MonitoringStoreArguments.ThrowIfNotBuckets(from, to);
        return database.WriteAsync(connection =>
        {
            using (var delete = connection.Prepare("DELETE FROM usage_rollups WHERE bucket >= @from AND bucket < @to"))
            {
                delete.Bind("@from", from.UtcTicks).Bind("@to", to.UtcTicks).Execute();
            }

            using var insert = connection.Prepare(
                $"INSERT INTO usage_rollups ({RollupColumns}) " +
                "SELECT tenant_id, ts - (ts % @bucket), model, coalesce(agent, ''), count(*), sum(outcome <> 'succeeded'), sum(input_tokens), " +
                "sum(output_tokens), sum(cached_tokens), sum(cost_nano_usd), sum(latency_ms), sum(CASE WHEN operation = 'embedding' THEN cost_nano_usd ELSE 0 END) " +
                "FROM usage WHERE ts >= @from AND ts < @to GROUP BY 1, 2, 3, 4");
            return insert.Bind("@bucket", MonitoringWindows.RollupBucket.Ticks).Bind("@from", from.UtcTicks).Bind("@to", to.UtcTicks).Execute();
        }, cancellationToken);
    }

    public Task<IReadOnlyList<UsageRollup>> ReadRollupsAsync(string? tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyList<UsageRollup>>(connection =>
        {
            using var statement = connection.Prepare(
                $"SELECT {RollupColumns} FROM usage_rollups WHERE bucket >= @from AND bucket < @to AND (@tenant IS NULL OR tenant_id = @tenant) " +
                "ORDER BY bucket, tenant_id, model, agent");
            statement.Bind("@from", from.UtcTicks).Bind("@to", to.UtcTicks).Bind("@tenant", tenantId);
            var rows = new List<UsageRollup>();
            while (statement.Step())
            {
                rows.Add(new UsageRollup(
                    statement.GetString(0), Utc(statement.GetInt64(1)), statement.GetString(2), statement.GetString(3), statement.GetInt64(4),
                    statement.GetInt64(5), statement.GetInt64(6), statement.GetInt64(7), statement.GetInt64(8), statement.GetInt64(9), statement.GetDouble(10), statement.GetInt64(11)));
            }

            return rows;
        }, cancellationToken);

    public Task<IReadOnlyList<LatencySample>> ReadLatencySamplesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyList<LatencySample>>(connection =>
        {
            var samples = new List<LatencySample>();
            // A workflow's first event (sequence 1) is when it started; its first token, when the answer began to stream.
            using (var statement = connection.Prepare(
                "SELECT d.tenant_id, d.ts - s.ts, (SELECT min(t.ts) FROM events t WHERE t.tenant_id = d.tenant_id AND t.stream_id = d.stream_id AND t.type = 'token') - s.ts " +
                "FROM events d INDEXED BY events_done_ts JOIN events s ON s.tenant_id = d.tenant_id AND s.stream_id = d.stream_id AND s.seq = 1 " +
                "WHERE d.type = 'done' AND d.ts >= @from AND d.ts < @to"))
            {
                statement.Bind("@from", from.UtcTicks).Bind("@to", to.UtcTicks);
                while (statement.Step())
                {
                    var tenant = statement.GetString(0);
                    samples.Add(new LatencySample(tenant, LatencyMetrics.Query, "", TicksToMs(statement.GetInt64(1))));
                    if (statement.GetNullableInt64(2) is { } firstToken)
                    {
                        samples.Add(new LatencySample(tenant, LatencyMetrics.TimeToFirstToken, "", TicksToMs(firstToken)));
                    }
                }
            }

            using (var statement = connection.Prepare(
                "SELECT tenant_id, coalesce(json_extract(data, '$.agent'), ''), json_extract(data, '$.durationMs') " +
                "FROM events INDEXED BY events_step_completed_ts WHERE type = 'step.completed' AND ts >= @from AND ts < @to " +
                "AND json_extract(data, '$.durationMs') IS NOT NULL"))
            {
                statement.Bind("@from", from.UtcTicks).Bind("@to", to.UtcTicks);
                while (statement.Step())
                {
                    samples.Add(new LatencySample(statement.GetString(0), LatencyMetrics.Step, statement.GetString(1), statement.GetDouble(2)));
                }
            }

            return samples;
        }, cancellationToken);

    public Task SavePercentilesAsync(IReadOnlyList<LatencyPercentiles> percentiles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(percentiles);
        return database.WriteAsync(connection =>
        {
            using var statement = connection.Prepare(
                "INSERT OR REPLACE INTO latency_percentiles (tenant_id, window_start, metric, scope, count, p50_ms, p95_ms, p99_ms) " +
                "VALUES (@tenant, @window, @metric, @scope, @count, @p50, @p95, @p99)");
            foreach (var p in percentiles)
            {
                statement.Reset();
                statement.Bind("@tenant", p.TenantId).Bind("@window", p.WindowStart.UtcTicks).Bind("@metric", p.Metric).Bind("@scope", p.Scope)
                    .Bind("@count", p.Count).Bind("@p50", p.P50Ms).Bind("@p95", p.P95Ms).Bind("@p99", p.P99Ms).Execute();
            }
        }, cancellationToken);
    }

    public Task<IReadOnlyList<LatencyPercentiles>> ReadPercentilesAsync(string? tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyList<LatencyPercentiles>>(connection =>
        {
            using var statement = connection.Prepare(
                "SELECT tenant_id, window_start, metric, scope, count, p50_ms, p95_ms, p99_ms FROM latency_percentiles " +
                "WHERE window_start >= @from AND window_start < @to AND (@tenant IS NULL OR tenant_id = @tenant) ORDER BY window_start, tenant_id, metric, scope");
            statement.Bind("@from", from.UtcTicks).Bind("@to", to.UtcTicks).Bind("@tenant", tenantId);
            var rows = new List<LatencyPercentiles>();
            while (statement.Step())
            {
                rows.Add(new LatencyPercentiles(statement.GetString(0), Utc(statement.GetInt64(1)), statement.GetString(2), statement.GetString(3),
                    statement.GetInt64(4), statement.GetDouble(5), statement.GetDouble(6), statement.GetDouble(7)));
            }

            return rows;
        }, cancellationToken);

    public Task<IReadOnlyDictionary<string, long>> CountIngestionFailuresAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyDictionary<string, long>>(connection =>
        {
            using var statement = connection.Prepare(
                "SELECT tenant_id, count(*) FROM documents WHERE status = 'Failed' AND updated_at >= @from AND updated_at < @to GROUP BY tenant_id");
            statement.Bind("@from", from.UtcTicks).Bind("@to", to.UtcTicks);
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            while (statement.Step())
            {
                counts[statement.GetString(0)] = statement.GetInt64(1);
            }

            return counts;
        }, cancellationToken);

    public Task<IReadOnlyList<ExpiringApproval>> ListExpiringApprovalsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyList<ExpiringApproval>>(connection =>
        {
            using var statement = connection.Prepare(
                "SELECT tenant_id, id, workflow_id, expires_at FROM approvals WHERE status = 'pending' AND expires_at >= @from AND expires_at < @to ORDER BY expires_at, tenant_id, id");
            statement.Bind("@from", from.UtcTicks).Bind("@to", to.UtcTicks);
            var rows = new List<ExpiringApproval>();
            while (statement.Step())
            {
                rows.Add(new ExpiringApproval(statement.GetString(0), statement.GetString(1), statement.GetString(2), Utc(statement.GetInt64(3))));
            }

            return rows;
        }, cancellationToken);

    public Task<bool> TryAddAnomalyAsync(Anomaly anomaly, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(anomaly);
        return database.WriteAsync(connection =>
        {
            using var statement = connection.Prepare(
                $"INSERT INTO anomalies ({AnomalyColumns}) VALUES (@tenant, @id, @hour, @metric, @scope, @value, @median, @mad, @threshold, @volume, @evidence, @detected) " +
                "ON CONFLICT (tenant_id, hour_start, metric, scope) DO NOTHING");
            return statement.Bind("@tenant", anomaly.TenantId).Bind("@id", anomaly.Id).Bind("@hour", anomaly.HourStart.UtcTicks).Bind("@metric", anomaly.Metric)
                .Bind("@scope", anomaly.Scope).Bind("@value", anomaly.Value).Bind("@median", anomaly.BaselineMedian).Bind("@mad", anomaly.BaselineMad)
                .Bind("@threshold", anomaly.Threshold).Bind("@volume", anomaly.Volume).Bind("@evidence", anomaly.Evidence)
                .Bind("@detected", anomaly.DetectedAt.UtcTicks).Execute() == 1;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<Anomaly>> ListAnomaliesAsync(string? tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyList<Anomaly>>(connection =>
        {
            using var statement = connection.Prepare(
                $"SELECT {AnomalyColumns} FROM anomalies WHERE hour_start >= @from AND hour_start < @to AND (@tenant IS NULL OR tenant_id = @tenant) " +
                "ORDER BY hour_start, tenant_id, metric, scope");
            statement.Bind("@from", from.UtcTicks).Bind("@to", to.UtcTicks).Bind("@tenant", tenantId);
            var rows = new List<Anomaly>();
            while (statement.Step())
            {
                rows.Add(new Anomaly(statement.GetString(1), statement.GetString(0), Utc(statement.GetInt64(2)), statement.GetString(3), statement.GetString(4),
                    statement.GetDouble(5), statement.GetDouble(6), statement.GetDouble(7), statement.GetDouble(8), statement.GetInt64(9), statement.GetString(10),
                    Utc(statement.GetInt64(11))));
            }

            return rows;
        }, cancellationToken);

    public Task<IReadOnlyList<StoredEvent>> ListWorkflowErrorsAsync(
        string tenantId, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        return database.ReadAsync<IReadOnlyList<StoredEvent>>(connection =>
        {
            using var statement = connection.Prepare(
                "SELECT stream_id, seq, data, ts FROM events INDEXED BY events_error_ts " +
                "WHERE type = 'error' AND ts >= @from AND ts < @to AND tenant_id = @tenant ORDER BY ts DESC, stream_id LIMIT @limit");
            statement.Bind("@from", from.UtcTicks).Bind("@to", to.UtcTicks).Bind("@tenant", tenantId).Bind("@limit", limit);
            var rows = new List<StoredEvent>();
            while (statement.Step())
            {
                rows.Add(new StoredEvent(tenantId, statement.GetString(0), statement.GetInt64(1), "error", statement.GetString(2), Utc(statement.GetInt64(3))));
            }

            return rows;
        }, cancellationToken);
    }

    public Task SaveCostReportAsync(CostReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        return database.WriteAsync(connection =>
        {
            using var statement = connection.Prepare(
                "INSERT OR REPLACE INTO cost_reports (tenant_id, day, json, text, html, created_at) VALUES (@tenant, @day, @json, @text, @html, @created)");
            statement.Bind("@tenant", report.TenantId).Bind("@day", report.Day.DayNumber).Bind("@json", report.Json).Bind("@text", report.Text)
                .Bind("@html", report.Html).Bind("@created", report.CreatedAt.UtcTicks).Execute();
        }, cancellationToken);
    }

    public Task<CostReport?> GetCostReportAsync(string tenantId, DateOnly day, CancellationToken cancellationToken = default) =>
        database.ReadAsync(connection =>
        {
            using var statement = connection.Prepare("SELECT json, text, html, created_at FROM cost_reports WHERE tenant_id = @tenant AND day = @day");
            statement.Bind("@tenant", tenantId).Bind("@day", day.DayNumber);
            return statement.Step()
                ? new CostReport(tenantId, day, statement.GetString(0), statement.GetString(1), statement.GetString(2), Utc(statement.GetInt64(3)))
                : null;
        }, cancellationToken);

    public Task<IReadOnlyList<string>> ListActiveTenantsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyList<string>>(connection =>
        {
            using var statement = connection.Prepare(
                "SELECT DISTINCT tenant_id FROM usage WHERE ts >= @from AND ts < @to UNION SELECT tenant_id FROM alert_settings ORDER BY 1");
            statement.Bind("@from", from.UtcTicks).Bind("@to", to.UtcTicks);
            var tenants = new List<string>();
            while (statement.Step())
            {
                tenants.Add(statement.GetString(0));
            }

            return tenants;
        }, cancellationToken);

    private static DateTimeOffset Utc(long ticks) => new(ticks, TimeSpan.Zero);

    private static double TicksToMs(long ticks) => ticks / (double)TimeSpan.TicksPerMillisecond;
}
