using AgentRag.Core.Storage;

namespace AgentRag.Storage.Sqlite.Documents;

/// <summary>
/// <see cref="ITenantQuotaStore"/> over the <c>documents</c> table and the <c>tenant_daily_queries</c> counters
/// (schema version 9). Counting is one conditional upsert in the single writer, so concurrent requests and processes
/// never count past the limit. Thread-safe.
/// </summary>
public sealed class SqliteTenantQuotaStore(SqliteDatabase database) : ITenantQuotaStore
{
    public Task<TenantStorageUse> GetStorageUseAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        return database.ReadAsync(connection =>
        {
            using var statement = connection.Prepare("SELECT COUNT(*), COALESCE(SUM(size_bytes), 0) FROM documents WHERE tenant_id = @tenant");
            statement.Bind("@tenant", tenantId);
            return statement.Step() ? new TenantStorageUse(statement.GetInt64(0), statement.GetInt64(1)) : default;
        }, cancellationToken);
    }

    public Task<long> GetQueriesAsync(string tenantId, DateOnly day, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        return database.ReadAsync(connection => ReadCount(connection, tenantId, day), cancellationToken);
    }

    public Task<(bool Counted, long Used)> TryCountQueryAsync(string tenantId, DateOnly day, long limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        return database.WriteAsync(connection =>
        {
            using var statement = connection.Prepare("""
                INSERT INTO tenant_daily_queries (tenant_id, day, count) SELECT @tenant, @day, 1 WHERE @limit > 0
                ON CONFLICT (tenant_id, day) DO UPDATE SET count = count + 1 WHERE count < @limit
                """);
            statement.Bind("@tenant", tenantId).Bind("@day", day.DayNumber).Bind("@limit", limit).Execute();
            var counted = connection.Changes > 0;
            return (counted, ReadCount(connection, tenantId, day));
        }, cancellationToken);
    }

    private static long ReadCount(SqliteConnection connection, string tenantId, DateOnly day)
    {
        using var statement = connection.Prepare("SELECT count FROM tenant_daily_queries WHERE tenant_id = @tenant AND day = @day");
        statement.Bind("@tenant", tenantId).Bind("@day", day.DayNumber);
        return statement.Step() ? statement.GetInt64(0) : 0;
    }
}
