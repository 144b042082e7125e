using System.Text.Json;
using AgentRag.Core;
using AgentRag.Core.Approvals;
using AgentRag.Core.Serialization;

namespace AgentRag.Storage.Sqlite.Approvals;

/// <summary>
/// <see cref="IApprovalStore"/> over the <c>approvals</c> and <c>approval_audit</c> tables (schema version 5). A record
/// is stored as JSON with its filter columns beside it; a save and its audit entries are one work item of the
/// group-commit writer, so they commit together. Every statement filters on <c>tenant_id</c>. Thread-safe.
/// </summary>
public sealed class SqliteApprovalStore(SqliteDatabase database) : IApprovalStore
{
    /// <summary>Largest page <see cref="ListAsync"/> returns (the range <see cref="ApprovalQuery.Limit"/> documents).</summary>
    public const int MaxListLimit = 1000;

    /// <summary>Most audit entries <see cref="ExportAuditAsync"/> returns.</summary>
    public const int MaxExportLimit = 10_000;

    public Task SaveAsync(ApprovalRecord record, IReadOnlyList<ApprovalAuditEntry> audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(audit);
        RequireTenant(record.TenantId);
        if (audit.Any(e => e.TenantId != record.TenantId || e.ApprovalId != record.Id))
        {
            throw new ArgumentException($"Every audit entry must belong to approval {record.Id} of tenant {record.TenantId}.", nameof(audit));
        }

        var json = JsonSerializer.Serialize(record, AgentRagJson.Options);
        var entries = audit.Select(e => (Entry: e, Json: JsonSerializer.Serialize(e, AgentRagJson.Options))).ToList();
        return database.WriteAsync(connection =>
        {
            using (var statement = connection.Prepare("""
                INSERT INTO approvals (tenant_id, id, workflow_id, step_id, status, created_at, expires_at, data)
                VALUES (@tenant, @id, @workflow, @step, @status, @created, @expires, @data)
                ON CONFLICT (tenant_id, id) DO UPDATE SET status = excluded.status, expires_at = excluded.expires_at, data = excluded.data
                """))
            {
                statement.Bind("@tenant", record.TenantId).Bind("@id", record.Id).Bind("@workflow", record.WorkflowId).Bind("@step", record.StepId)
                    .Bind("@status", StatusText(record.Status)).Bind("@created", record.CreatedAt.UtcTicks).Bind("@expires", record.ExpiresAt.UtcTicks)
                    .Bind("@data", json).Execute();
            }

            if (entries.Count == 0)
            {
                return;
            }

            using var insert = connection.Prepare("""
                INSERT INTO approval_audit (tenant_id, approval_id, seq, ts, actor, action, data)
                VALUES (@tenant, @approval, @seq, @ts, @actor, @action, @data)
                ON CONFLICT (tenant_id, approval_id, seq) DO NOTHING
                """);
            foreach (var (entry, entryJson) in entries)
            {
                insert.Reset();
                insert.Bind("@tenant", entry.TenantId).Bind("@approval", entry.ApprovalId).Bind("@seq", entry.Sequence).Bind("@ts", entry.At.UtcTicks)
                    .Bind("@actor", entry.Actor).Bind("@action", JsonNamingPolicy.SnakeCaseLower.ConvertName(entry.Action.ToString()))
                    .Bind("@data", entryJson).Execute();
            }
        }, cancellationToken);
    }

    public Task<ApprovalRecord?> GetAsync(string tenantId, string approvalId, CancellationToken cancellationToken = default)
    {
        RequireTenant(tenantId);
        ArgumentNullException.ThrowIfNull(approvalId);
        return database.ReadAsync(connection =>
        {
            using var statement = connection.Prepare("SELECT data FROM approvals WHERE tenant_id = @tenant AND id = @id");
            statement.Bind("@tenant", tenantId).Bind("@id", approvalId);
            return statement.Step() ? Read<ApprovalRecord>(statement.GetString(0)) : null;
        }, cancellationToken);
    }

    public Task<ApprovalPage> ListAsync(string tenantId, ApprovalQuery query, CancellationToken cancellationToken = default)
    {
        RequireTenant(tenantId);
        ArgumentNullException.ThrowIfNull(query);
        if (query.Offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Offset, "ApprovalQuery.Offset must be 0 or more.");
        }

        if (query.Limit is < 1 or > MaxListLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, $"ApprovalQuery.Limit must be between 1 and {MaxListLimit}.");
        }

        var status = query.Status is { } s ? StatusText(s) : null;
        return database.ReadAsync(connection =>
        {
            const string Filter = "tenant_id = @tenant AND (@status IS NULL OR status = @status) AND (@workflow IS NULL OR workflow_id = @workflow)";
            int total;
            using (var count = connection.Prepare($"SELECT count(*) FROM approvals WHERE {Filter}"))
            {
                count.Bind("@tenant", tenantId).Bind("@status", status).Bind("@workflow", query.WorkflowId).Step();
                total = count.GetInt32(0);
            }

            using var statement = connection.Prepare($"SELECT data FROM approvals WHERE {Filter} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset");
            statement.Bind("@tenant", tenantId).Bind("@status", status).Bind("@workflow", query.WorkflowId).Bind("@limit", query.Limit).Bind("@offset", query.Offset);
            var items = new List<ApprovalRecord>();
            while (statement.Step())
            {
                items.Add(Read<ApprovalRecord>(statement.GetString(0)));
            }

            return new ApprovalPage(items, total);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<ApprovalAuditEntry>> GetHistoryAsync(string tenantId, string approvalId, CancellationToken cancellationToken = default)
    {
        RequireTenant(tenantId);
        ArgumentNullException.ThrowIfNull(approvalId);
        return database.ReadAsync<IReadOnlyList<ApprovalAuditEntry>>(connection =>
        {
            using var statement = connection.Prepare("SELECT data FROM approval_audit WHERE tenant_id = @tenant AND approval_id = @id ORDER BY seq");
            statement.Bind("@tenant", tenantId).Bind("@id", approvalId);
            return ReadAll(statement);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<ApprovalAuditEntry>> ExportAuditAsync(
        string tenantId, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken = default)
    {
        RequireTenant(tenantId);
        if (limit is < 1 or > MaxExportLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"The audit export limit must be between 1 and {MaxExportLimit}.");
        }

        return database.ReadAsync<IReadOnlyList<ApprovalAuditEntry>>(connection =>
        {
            using var statement = connection.Prepare("""
                SELECT data FROM approval_audit
                WHERE tenant_id = @tenant AND (@from IS NULL OR ts >= @from) AND (@to IS NULL OR ts < @to)
                ORDER BY ts, approval_id, seq LIMIT @limit
                """);
            statement.Bind("@tenant", tenantId).Bind("@from", from?.UtcTicks).Bind("@to", to?.UtcTicks).Bind("@limit", limit);
            return ReadAll(statement);
        }, cancellationToken);
    }

    private static List<ApprovalAuditEntry> ReadAll(SqliteStatement statement)
    {
        var entries = new List<ApprovalAuditEntry>();
        while (statement.Step())
        {
            entries.Add(Read<ApprovalAuditEntry>(statement.GetString(0)));
        }

        return entries;
    }

    private static T Read<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, AgentRagJson.Options) ?? throw new JsonException($"A stored {typeof(T).Name} is null.");

    private static string StatusText(ApprovalStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    private static void RequireTenant(string tenantId) => Tenancy.ThrowIfInvalid(tenantId);
}
