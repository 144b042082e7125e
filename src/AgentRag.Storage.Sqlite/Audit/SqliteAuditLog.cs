using AgentRag.Core.Audit;

namespace AgentRag.Storage.Sqlite.Audit;

/// <summary>
/// <see cref="IAuditLog"/> over the <c>audit_log</c> table (schema version 10). Appends wait for their commit, so an
/// entry is readable as soon as its append completes. Thread-safe.
/// </summary>
public sealed class SqliteAuditLog(SqliteDatabase database) : IAuditLog
{
    private const string Columns = "id, at, tenant_id, actor, role, action, target, outcome, status, client_ip, trace_id, detail";

    public Task<AuditEntry> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return database.WriteAsync(connection =>
        {
            using var statement = connection.Prepare("""
                INSERT INTO audit_log (at, tenant_id, actor, role, action, target, outcome, status, client_ip, trace_id, detail)
                VALUES (@at, @tenant, @actor, @role, @action, @target, @outcome, @status, @ip, @trace, @detail)
                """);
            statement.Bind("@at", entry.At.UtcTicks).Bind("@tenant", entry.TenantId).Bind("@actor", entry.Actor).Bind("@role", entry.Role)
                .Bind("@action", entry.Action).Bind("@target", entry.Target).Bind("@outcome", entry.Outcome).Bind("@status", (long?)entry.Status)
                .Bind("@ip", entry.ClientIp).Bind("@trace", entry.TraceId).Bind("@detail", entry.Detail).Execute();
            return entry with { Id = connection.LastInsertRowId };
        }, cancellationToken);
    }

    public Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit);
        return database.ReadAsync<IReadOnlyList<AuditEntry>>(connection =>
        {
            using var statement = connection.Prepare($"""
                SELECT {Columns} FROM audit_log
                WHERE tenant_id IS @tenant AND id > @after
                  AND (@from IS NULL OR at >= @from) AND (@to IS NULL OR at < @to)
                  AND (@actor IS NULL OR actor = @actor) AND (@action IS NULL OR action = @action)
                ORDER BY id LIMIT @limit
                """);
            statement.Bind("@tenant", query.TenantId).Bind("@after", query.AfterId).Bind("@from", query.From?.UtcTicks).Bind("@to", query.To?.UtcTicks)
                .Bind("@actor", query.Actor).Bind("@action", query.Action).Bind("@limit", query.Limit);
            var entries = new List<AuditEntry>();
            while (statement.Step())
            {
                entries.Add(new AuditEntry(
                    statement.GetInt64(0), new DateTimeOffset(statement.GetInt64(1), TimeSpan.Zero), statement.GetNullableString(2),
                    statement.GetString(3), statement.GetNullableString(4), statement.GetString(5), statement.GetNullableString(6),
                    statement.GetString(7), statement.GetNullableInt64(8) is { } status ? (int)status : null, statement.GetNullableString(9),
                    statement.GetNullableString(10), statement.GetNullableString(11)));
            }

            return entries;
        }, cancellationToken);
    }

    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default) =>
        database.WriteAsync(connection =>
        {
            using var statement = connection.Prepare("DELETE FROM audit_log WHERE at < @before");
            return statement.Bind("@before", before.UtcTicks).Execute();
        }, cancellationToken);

    public Task<int> EraseTenantAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        return database.WriteAsync(connection =>
        {
            using var statement = connection.Prepare("DELETE FROM audit_log WHERE tenant_id = @tenant");
            return statement.Bind("@tenant", tenantId).Execute();
        }, cancellationToken);
    }
}
