using AgentRag.Core.Events;
using AgentRag.Core.Monitoring;
using Npgsql;

namespace AgentRag.Storage.Postgres.Monitoring;

/// <summary>
/// <see cref="IMonitoringStore"/> over the shared database's monitoring tables (migration 4): the same tables and
/// figures as the embedded store. Each write is one transaction. Thread-safe.
/// </summary>
public sealed class PostgresMonitoringStore(PostgresDatabase database) : IMonitoringStore
{
    private const string RollupColumns =
        "tenant_id, bucket, model, agent, calls, failed_calls, input_tokens, output_tokens, cached_tokens, cost_nano_usd, latency_ms_sum, embedding_cost_nano_usd";

    private const string AnomalyColumns =
        "tenant_id, id, hour_start, metric, scope, value, baseline_median, baseline_mad, threshold, volume, evidence, detected_at";

    public async Task<DateTimeOffset?> GetWatermarkAsync(string job, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(job);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT value FROM monitoring_watermarks WHERE job = @job").With("job", job);
        return await command.ExecuteScalarAsync(cancellationToken) is long ticks ? PostgresCommands.Utc(ticks) : null;
    }

    public async Task SetWatermarkAsync(string job, DateTimeOffset value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(job);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "INSERT INTO monitoring_watermarks (job, value) VALUES (@job, @value) ON CONFLICT (job) DO UPDATE SET value = excluded.value")
            .With("job", job).With("value", value.UtcTicks);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<DateTimeOffset?> GetFirstUsageTimeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT min(ts) FROM usage");
        return await command.ExecuteScalarAsync(cancellationToken) is long ticks ? PostgresCommands.Utc(ticks) : null;
    }

    public async Task<int> RollUpUsageAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        MonitoringStoreArguments.ThrowIfNotBuckets(from, to);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var delete = connection.Command("DELETE FROM usage_rollups WHERE bucket >= @from AND bucket < @to", transaction)
            .With("from", from.UtcTicks).With("to", to.UtcTicks))
        {
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var insert = connection.Command(
            $"INSERT INTO usage_rollups ({RollupColumns}) " +
            "SELECT tenant_id, ts - (ts % @bucket), model, coalesce(agent, ''), count(*), sum(CASE WHEN outcome <> 'succeeded' THEN 1 ELSE 0 END), " +
            "sum(input_tokens), sum(output_tokens), sum(cached_tokens), sum(cost_nano_usd), sum(latency_ms), sum(CASE WHEN operation = 'embedding' THEN cost_nano_usd ELSE 0 END) " +
            "FROM usage WHERE ts >= @from AND ts < @to GROUP BY 1, 2, 3, 4", transaction)
            .With("bucket", MonitoringWindows.RollupBucket.Ticks).With("from", from.UtcTicks).With("to", to.UtcTicks);
        var rows = await insert.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return rows;
    }

    public async Task<IReadOnlyList<UsageRollup>> ReadRollupsAsync(string? tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"SELECT {RollupColumns} FROM usage_rollups WHERE bucket >= @from AND bucket < @to AND (@tenant::text IS NULL OR tenant_id = @tenant) " +
            "ORDER BY bucket, tenant_id COLLATE \"C\", model COLLATE \"C\", agent COLLATE \"C\"")
            .With("from", from.UtcTicks).With("to", to.UtcTicks).With("tenant", tenantId);
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<UsageRollup>();
        while (await row.ReadAsync(cancellationToken))
        {
            rows.Add(new UsageRollup(row.GetString(0), PostgresCommands.Utc(row.GetInt64(1)), row.GetString(2), row.GetString(3), row.GetInt64(4),
                row.GetInt64(5), row.GetInt64(6), row.GetInt64(7), row.GetInt64(8), row.GetInt64(9), row.GetDouble(10), row.GetInt64(11)));
        }

        return rows;
    }

    public async Task<IReadOnlyList<LatencySample>> ReadLatencySamplesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var samples = new List<LatencySample>();
        await using (var command = connection.Command(
            "SELECT d.tenant_id, d.ts - s.ts, (SELECT min(t.ts) FROM events t WHERE t.tenant_id = d.tenant_id AND t.stream_id = d.stream_id AND t.type = 'token') - s.ts " +
            "FROM events d JOIN events s ON s.tenant_id = d.tenant_id AND s.stream_id = d.stream_id AND s.seq = 1 " +
            "WHERE d.type = 'done' AND d.ts >= @from AND d.ts < @to").With("from", from.UtcTicks).With("to", to.UtcTicks))
        {
            await using var row = await command.ExecuteReaderAsync(cancellationToken);
            while (await row.ReadAsync(cancellationToken))
            {
                var tenant = row.GetString(0);
                samples.Add(new LatencySample(tenant, LatencyMetrics.Query, "", row.GetInt64(1) / (double)TimeSpan.TicksPerMillisecond));
                if (row.GetNullableInt64(2) is { } firstToken)
                {
                    samples.Add(new LatencySample(tenant, LatencyMetrics.TimeToFirstToken, "", firstToken / (double)TimeSpan.TicksPerMillisecond));
                }
            }
        }

        await using (var command = connection.Command(
            "SELECT tenant_id, coalesce(data::jsonb ->> 'agent', ''), (data::jsonb ->> 'durationMs')::double precision " +
            "FROM events WHERE type = 'step.completed' AND ts >= @from AND ts < @to AND data::jsonb ->> 'durationMs' IS NOT NULL")
            .With("from", from.UtcTicks).With("to", to.UtcTicks))
        {
            await using var row = await command.ExecuteReaderAsync(cancellationToken);
            while (await row.ReadAsync(cancellationToken))
            {
                samples.Add(new LatencySample(row.GetString(0), LatencyMetrics.Step, row.GetString(1), row.GetDouble(2)));
            }
        }

        return samples;
    }

    public async Task SavePercentilesAsync(IReadOnlyList<LatencyPercentiles> percentiles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(percentiles);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var p in percentiles)
        {
            await using var command = connection.Command(
                "INSERT INTO latency_percentiles (tenant_id, window_start, metric, scope, count, p50_ms, p95_ms, p99_ms) " +
                "VALUES (@tenant, @window, @metric, @scope, @count, @p50, @p95, @p99) ON CONFLICT (tenant_id, window_start, metric, scope) DO UPDATE SET " +
                "count = excluded.count, p50_ms = excluded.p50_ms, p95_ms = excluded.p95_ms, p99_ms = excluded.p99_ms", transaction)
                .With("tenant", p.TenantId).With("window", p.WindowStart.UtcTicks).With("metric", p.Metric).With("scope", p.Scope)
                .With("count", p.Count).With("p50", p.P50Ms).With("p95", p.P95Ms).With("p99", p.P99Ms);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<LatencyPercentiles>> ReadPercentilesAsync(string? tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT tenant_id, window_start, metric, scope, count, p50_ms, p95_ms, p99_ms FROM latency_percentiles " +
            "WHERE window_start >= @from AND window_start < @to AND (@tenant::text IS NULL OR tenant_id = @tenant) " +
            "ORDER BY window_start, tenant_id COLLATE \"C\", metric COLLATE \"C\", scope COLLATE \"C\"")
            .With("from", from.UtcTicks).With("to", to.UtcTicks).With("tenant", tenantId);
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<LatencyPercentiles>();
        while (await row.ReadAsync(cancellationToken))
        {
            rows.Add(new LatencyPercentiles(row.GetString(0), PostgresCommands.Utc(row.GetInt64(1)), row.GetString(2), row.GetString(3), row.GetInt64(4),
                row.GetDouble(5), row.GetDouble(6), row.GetDouble(7)));
        }

        return rows;
    }

    public async Task<IReadOnlyDictionary<string, long>> CountIngestionFailuresAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT tenant_id, count(*) FROM documents WHERE status = 'Failed' AND updated_at >= @from AND updated_at < @to GROUP BY tenant_id")
            .With("from", from.UtcTicks).With("to", to.UtcTicks);
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await row.ReadAsync(cancellationToken))
        {
            counts[row.GetString(0)] = row.GetInt64(1);
        }

        return counts;
    }

    public async Task<IReadOnlyList<ExpiringApproval>> ListExpiringApprovalsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT tenant_id, id, workflow_id, expires_at FROM approvals WHERE status = 'pending' AND expires_at >= @from AND expires_at < @to " +
            "ORDER BY expires_at, tenant_id COLLATE \"C\", id COLLATE \"C\"").With("from", from.UtcTicks).With("to", to.UtcTicks);
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<ExpiringApproval>();
        while (await row.ReadAsync(cancellationToken))
        {
            rows.Add(new ExpiringApproval(row.GetString(0), row.GetString(1), row.GetString(2), PostgresCommands.Utc(row.GetInt64(3))));
        }

        return rows;
    }

    public async Task<bool> TryAddAnomalyAsync(Anomaly anomaly, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(anomaly);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"INSERT INTO anomalies ({AnomalyColumns}) VALUES (@tenant, @id, @hour, @metric, @scope, @value, @median, @mad, @threshold, @volume, @evidence, @detected) " +
            "ON CONFLICT (tenant_id, hour_start, metric, scope) DO NOTHING")
            .With("tenant", anomaly.TenantId).With("id", anomaly.Id).With("hour", anomaly.HourStart.UtcTicks).With("metric", anomaly.Metric)
            .With("scope", anomaly.Scope).With("value", anomaly.Value).With("median", anomaly.BaselineMedian).With("mad", anomaly.BaselineMad)
            .With("threshold", anomaly.Threshold).With("volume", anomaly.Volume).With("evidence", anomaly.Evidence).With("detected", anomaly.DetectedAt.UtcTicks);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<IReadOnlyList<Anomaly>> ListAnomaliesAsync(string? tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"SELECT {AnomalyColumns} FROM anomalies WHERE hour_start >= @from AND hour_start < @to AND (@tenant::text IS NULL OR tenant_id = @tenant) " +
            "ORDER BY hour_start, tenant_id COLLATE \"C\", metric COLLATE \"C\", scope COLLATE \"C\"")
            .With("from", from.UtcTicks).With("to", to.UtcTicks).With("tenant", tenantId);
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<Anomaly>();
        while (await row.ReadAsync(cancellationToken))
        {
            rows.Add(new Anomaly(row.GetString(1), row.GetString(0), PostgresCommands.Utc(row.GetInt64(2)), row.GetString(3), row.GetString(4), row.GetDouble(5),
                row.GetDouble(6), row.GetDouble(7), row.GetDouble(8), row.GetInt64(9), row.GetString(10), PostgresCommands.Utc(row.GetInt64(11))));
        }

        return rows;
    }

    public async Task<IReadOnlyList<StoredEvent>> ListWorkflowErrorsAsync(
        string tenantId, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT stream_id, seq, data, ts FROM events WHERE type = 'error' AND ts >= @from AND ts < @to AND tenant_id = @tenant " +
            "ORDER BY ts DESC, stream_id COLLATE \"C\" LIMIT @limit")
            .With("from", from.UtcTicks).With("to", to.UtcTicks).With("tenant", tenantId).With("limit", limit);
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<StoredEvent>();
        while (await row.ReadAsync(cancellationToken))
        {
            rows.Add(new StoredEvent(tenantId, row.GetString(0), row.GetInt64(1), "error", row.GetString(2), PostgresCommands.Utc(row.GetInt64(3))));
        }

        return rows;
    }

    public async Task SaveCostReportAsync(CostReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "INSERT INTO cost_reports (tenant_id, day, json, text, html, created_at) VALUES (@tenant, @day, @json, @text, @html, @created) " +
            "ON CONFLICT (tenant_id, day) DO UPDATE SET json = excluded.json, text = excluded.text, html = excluded.html, created_at = excluded.created_at")
            .With("tenant", report.TenantId).With("day", (long)report.Day.DayNumber).With("json", report.Json).With("text", report.Text)
            .With("html", report.Html).With("created", report.CreatedAt.UtcTicks);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<CostReport?> GetCostReportAsync(string tenantId, DateOnly day, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT json, text, html, created_at FROM cost_reports WHERE tenant_id = @tenant AND day = @day")
            .With("tenant", tenantId).With("day", (long)day.DayNumber);
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        return await row.ReadAsync(cancellationToken)
            ? new CostReport(tenantId, day, row.GetString(0), row.GetString(1), row.GetString(2), PostgresCommands.Utc(row.GetInt64(3)))
            : null;
    }

    public async Task<IReadOnlyList<string>> ListActiveTenantsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT tenant_id COLLATE \"C\" FROM usage WHERE ts >= @from AND ts < @to UNION SELECT tenant_id COLLATE \"C\" FROM alert_settings ORDER BY 1")
            .With("from", from.UtcTicks).With("to", to.UtcTicks);
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        var tenants = new List<string>();
        while (await row.ReadAsync(cancellationToken))
        {
            tenants.Add(row.GetString(0));
        }

        return tenants;
    }
}
