using AgentRag.Core.Audit;

namespace AgentRag.Storage.Postgres.Audit;

/// <summary>
/// <see cref="IAuditLog"/> over <c>audit_log</c>; ids come from an identity column, so they increase across replicas.
/// An entry is readable as soon as its append completes. Thread-safe.
/// </summary>
public sealed class PostgresAuditLog(PostgresDatabase database) : IAuditLog
{
    private const string Columns = "id, at, tenant_id, actor, role, action, target, outcome, status, client_ip, trace_id, detail";

    public async Task<AuditEntry> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("""
            INSERT INTO audit_log (at, tenant_id, actor, role, action, target, outcome, status, client_ip, trace_id, detail)
            VALUES (@at, @tenant, @actor, @role, @action, @target, @outcome, @status, @ip, @trace, @detail)
            RETURNING id
            """)
            .With("at", entry.At.UtcTicks).With("tenant", entry.TenantId).With("actor", entry.Actor).With("role", entry.Role)
            .With("action", entry.Action).With("target", entry.Target).With("outcome", entry.Outcome).With("status", entry.Status)
            .With("ip", entry.ClientIp).With("trace", entry.TraceId).With("detail", entry.Detail);
        return entry with { Id = (long)(await command.ExecuteScalarAsync(cancellationToken))! };
    }

    public async Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command($"""
            SELECT {Columns} FROM audit_log
            WHERE tenant_id IS NOT DISTINCT FROM @tenant AND id > @after
              AND (@from IS NULL OR at >= @from) AND (@to IS NULL OR at < @to)
              AND (@actor IS NULL OR actor = @actor) AND (@action IS NULL OR action = @action)
            ORDER BY id LIMIT @limit
            """)
            .With("tenant", query.TenantId).With("after", query.AfterId).With("from", query.From?.UtcTicks).With("to", query.To?.UtcTicks)
            .With("actor", query.Actor).With("action", query.Action).With("limit", query.Limit);
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<AuditEntry>();
        while (await row.ReadAsync(cancellationToken))
        {
            entries.Add(new AuditEntry(
                row.GetInt64(0), PostgresCommands.Utc(row.GetInt64(1)), row.GetNullableString(2), row.GetString(3), row.GetNullableString(4),
                row.GetString(5), row.GetNullableString(6), row.GetString(7), row.IsDBNull(8) ? null : row.GetInt32(8), row.GetNullableString(9),
                row.GetNullableString(10), row.GetNullableString(11)));
        }

        return entries;
    }

    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("DELETE FROM audit_log WHERE at < @before").With("before", before.UtcTicks);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> EraseTenantAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("DELETE FROM audit_log WHERE tenant_id = @tenant").With("tenant", tenantId);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
