using AgentRag.Core.Monitoring;

namespace AgentRag.Storage.Sqlite.Monitoring;

/// <summary><see cref="IAlertStore"/> over the embedded store's <c>alerts</c> and <c>alert_settings</c> tables. Thread-safe.</summary>
public sealed class SqliteAlertStore(SqliteDatabase database) : IAlertStore
{
    private const string Columns = "tenant_id, id, kind, key, severity, title, detail, raised_at, deliveries";

    public Task<string?> GetSettingsAsync(string tenantId, CancellationToken cancellationToken = default) =>
        database.ReadAsync(connection =>
        {
            using var statement = connection.Prepare("SELECT settings FROM alert_settings WHERE tenant_id = @tenant");
            statement.Bind("@tenant", tenantId);
            return statement.Step() ? statement.GetString(0) : null;
        }, cancellationToken);

    public Task SaveSettingsAsync(string tenantId, string settingsJson, DateTimeOffset updatedAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        ArgumentException.ThrowIfNullOrEmpty(settingsJson);
        return database.WriteAsync(connection =>
        {
            using var statement = connection.Prepare("INSERT OR REPLACE INTO alert_settings (tenant_id, settings, updated_at) VALUES (@tenant, @settings, @at)");
            statement.Bind("@tenant", tenantId).Bind("@settings", settingsJson).Bind("@at", updatedAt.UtcTicks).Execute();
        }, cancellationToken);
    }

    public Task<bool> TryRaiseAsync(AlertRecord alert, DateTimeOffset cooldownStart, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return database.WriteAsync(connection =>
        {
            using (var recent = connection.Prepare("SELECT 1 FROM alerts WHERE tenant_id = @tenant AND kind = @kind AND key = @key AND raised_at >= @since LIMIT 1"))
            {
                recent.Bind("@tenant", alert.TenantId).Bind("@kind", alert.Kind).Bind("@key", alert.Key).Bind("@since", cooldownStart.UtcTicks);
                if (recent.Step())
                {
                    return false;
                }
            }

            using var insert = connection.Prepare(
                $"INSERT INTO alerts ({Columns}) VALUES (@tenant, @id, @kind, @key, @severity, @title, @detail, @raised, @deliveries)");
            insert.Bind("@tenant", alert.TenantId).Bind("@id", alert.Id).Bind("@kind", alert.Kind).Bind("@key", alert.Key)
                .Bind("@severity", AlertJson.SeverityName(alert.Severity)).Bind("@title", alert.Title).Bind("@detail", alert.Detail)
                .Bind("@raised", alert.RaisedAt.UtcTicks).Bind("@deliveries", AlertJson.Deliveries(alert.Deliveries)).Execute();
            return true;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<AlertRecord>> ListAsync(
        string tenantId, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        return database.ReadAsync<IReadOnlyList<AlertRecord>>(connection =>
        {
            using var statement = connection.Prepare(
                $"SELECT {Columns} FROM alerts WHERE tenant_id = @tenant AND raised_at >= @from AND raised_at < @to ORDER BY raised_at DESC, id DESC LIMIT @limit");
            statement.Bind("@tenant", tenantId).Bind("@from", from?.UtcTicks ?? long.MinValue).Bind("@to", to?.UtcTicks ?? long.MaxValue).Bind("@limit", limit);
            var rows = new List<AlertRecord>();
            while (statement.Step())
            {
                rows.Add(new AlertRecord(statement.GetString(1), statement.GetString(0), statement.GetString(2), statement.GetString(3),
                    AlertJson.ParseSeverity(statement.GetString(4)), statement.GetString(5), statement.GetString(6),
                    new DateTimeOffset(statement.GetInt64(7), TimeSpan.Zero), AlertJson.ParseDeliveries(statement.GetString(8))));
            }

            return rows;
        }, cancellationToken);
    }

    public Task AddDeliveryAsync(string tenantId, string alertId, AlertDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return database.WriteAsync(connection =>
        {
            using var read = connection.Prepare("SELECT deliveries FROM alerts WHERE tenant_id = @tenant AND id = @id");
            read.Bind("@tenant", tenantId).Bind("@id", alertId);
            if (!read.Step())
            {
                return;
            }

            var deliveries = AlertJson.ParseDeliveries(read.GetString(0)).Append(delivery).ToList();
            using var write = connection.Prepare("UPDATE alerts SET deliveries = @deliveries WHERE tenant_id = @tenant AND id = @id");
            write.Bind("@deliveries", AlertJson.Deliveries(deliveries)).Bind("@tenant", tenantId).Bind("@id", alertId).Execute();
        }, cancellationToken);
    }
}
