using AgentRag.Core.Monitoring;

namespace AgentRag.Storage.Postgres.Monitoring;

/// <summary><see cref="IAlertStore"/> over the shared database's <c>alerts</c> and <c>alert_settings</c> tables. Thread-safe.</summary>
public sealed class PostgresAlertStore(PostgresDatabase database) : IAlertStore
{
    private const string Columns = "tenant_id, id, kind, key, severity, title, detail, raised_at, deliveries";

    public async Task<string?> GetSettingsAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT settings FROM alert_settings WHERE tenant_id = @tenant").With("tenant", tenantId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task SaveSettingsAsync(string tenantId, string settingsJson, DateTimeOffset updatedAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        ArgumentException.ThrowIfNullOrEmpty(settingsJson);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "INSERT INTO alert_settings (tenant_id, settings, updated_at) VALUES (@tenant, @settings, @at) " +
            "ON CONFLICT (tenant_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at")
            .With("tenant", tenantId).With("settings", settingsJson).With("at", updatedAt.UtcTicks);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> TryRaiseAsync(AlertRecord alert, DateTimeOffset cooldownStart, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // One raiser per (tenant, kind, key) at a time, so two replicas checking the cooldown together raise it once.
        await using (var lockKey = connection.Command("SELECT pg_advisory_xact_lock(hashtextextended(@subject, 0))", transaction)
            .With("subject", $"alert|{alert.TenantId}|{alert.Kind}|{alert.Key}"))
        {
            await lockKey.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var recent = connection.Command(
            "SELECT 1 FROM alerts WHERE tenant_id = @tenant AND kind = @kind AND key = @key AND raised_at >= @since LIMIT 1", transaction)
            .With("tenant", alert.TenantId).With("kind", alert.Kind).With("key", alert.Key).With("since", cooldownStart.UtcTicks))
        {
            if (await recent.ExecuteScalarAsync(cancellationToken) is not null)
            {
                return false;
            }
        }

        await using var insert = connection.Command(
            $"INSERT INTO alerts ({Columns}) VALUES (@tenant, @id, @kind, @key, @severity, @title, @detail, @raised, @deliveries)", transaction)
            .With("tenant", alert.TenantId).With("id", alert.Id).With("kind", alert.Kind).With("key", alert.Key)
            .With("severity", AlertJson.SeverityName(alert.Severity)).With("title", alert.Title).With("detail", alert.Detail)
            .With("raised", alert.RaisedAt.UtcTicks).With("deliveries", AlertJson.Deliveries(alert.Deliveries));
        await insert.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<AlertRecord>> ListAsync(
        string tenantId, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"SELECT {Columns} FROM alerts WHERE tenant_id = @tenant AND raised_at >= @from AND raised_at < @to " +
            "ORDER BY raised_at DESC, id COLLATE \"C\" DESC LIMIT @limit")
            .With("tenant", tenantId).With("from", from?.UtcTicks ?? long.MinValue).With("to", to?.UtcTicks ?? long.MaxValue).With("limit", limit);
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<AlertRecord>();
        while (await row.ReadAsync(cancellationToken))
        {
            rows.Add(new AlertRecord(row.GetString(1), row.GetString(0), row.GetString(2), row.GetString(3), AlertJson.ParseSeverity(row.GetString(4)),
                row.GetString(5), row.GetString(6), PostgresCommands.Utc(row.GetInt64(7)), AlertJson.ParseDeliveries(row.GetString(8))));
        }

        return rows;
    }

    public async Task AddDeliveryAsync(string tenantId, string alertId, AlertDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "UPDATE alerts SET deliveries = (deliveries::jsonb || @delivery::jsonb)::text WHERE tenant_id = @tenant AND id = @id")
            .With("delivery", AlertJson.Deliveries([delivery])).With("tenant", tenantId).With("id", alertId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
