using AgentRag.Core.Storage;

namespace AgentRag.Storage.Postgres.Documents;

/// <summary>
/// <see cref="ITenantQuotaStore"/> over <c>documents</c> and the <c>tenant_daily_queries</c> counters. Counting is one
/// conditional upsert (row-locked by PostgreSQL), so concurrent requests on every replica never count past the limit.
/// Thread-safe.
/// </summary>
public sealed class PostgresTenantQuotaStore(PostgresDatabase database) : ITenantQuotaStore
{
    public async Task<TenantStorageUse> GetStorageUseAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT count(*), coalesce(sum(size_bytes), 0)::bigint FROM documents WHERE tenant_id = @tenant")
            .With("tenant", tenantId);
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        return await row.ReadAsync(cancellationToken) ? new TenantStorageUse(row.GetInt64(0), row.GetInt64(1)) : default;
    }

    public async Task<long> GetQueriesAsync(string tenantId, DateOnly day, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT count FROM tenant_daily_queries WHERE tenant_id = @tenant AND day = @day")
            .With("tenant", tenantId).With("day", day.DayNumber);
        return await command.ExecuteScalarAsync(cancellationToken) is long count ? count : 0;
    }

    public async Task<(bool Counted, long Used)> TryCountQueryAsync(string tenantId, DateOnly day, long limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using (var upsert = connection.Command("""
            INSERT INTO tenant_daily_queries AS q (tenant_id, day, count) SELECT @tenant, @day, 1 WHERE @limit > 0
            ON CONFLICT (tenant_id, day) DO UPDATE SET count = q.count + 1 WHERE q.count < @limit
            RETURNING count
            """).With("tenant", tenantId).With("day", day.DayNumber).With("limit", limit))
        {
            if (await upsert.ExecuteScalarAsync(cancellationToken) is long used)
            {
                return (true, used);
            }
        }

        return (false, await GetQueriesAsync(tenantId, day, cancellationToken));
    }
}
