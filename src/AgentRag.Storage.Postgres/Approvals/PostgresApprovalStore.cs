using System.Text.Json;
using AgentRag.Core;
using AgentRag.Core.Approvals;
using AgentRag.Core.Serialization;
using Npgsql;

namespace AgentRag.Storage.Postgres.Approvals;

/// <summary>
/// <see cref="IApprovalStore"/> over <c>approvals</c> and <c>approval_audit</c>: a record is stored as JSON with its
/// filter columns beside it, and a save with its audit entries is one transaction. Every statement filters on
/// <c>tenant_id</c>. Thread-safe.
/// </summary>
public sealed class PostgresApprovalStore(PostgresDatabase database) : IApprovalStore
{
    /// <summary>Largest page <see cref="ListAsync"/> returns.</summary>
    public const int MaxListLimit = 1000;

    /// <summary>Most audit entries <see cref="ExportAuditAsync"/> returns.</summary>
    public const int MaxExportLimit = 10_000;

    public async Task SaveAsync(ApprovalRecord record, IReadOnlyList<ApprovalAuditEntry> audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(audit);
        Tenancy.ThrowIfInvalid(record.TenantId);
        if (audit.Any(e => e.TenantId != record.TenantId || e.ApprovalId != record.Id))
        {
            throw new ArgumentException($"Every audit entry must belong to approval {record.Id} of tenant {record.TenantId}.", nameof(audit));
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var upsert = connection.Command("""
            INSERT INTO approvals (tenant_id, id, workflow_id, step_id, status, created_at, expires_at, data)
            VALUES (@tenant, @id, @workflow, @step, @status, @created, @expires, @data)
            ON CONFLICT (tenant_id, id) DO UPDATE SET status = excluded.status, expires_at = excluded.expires_at, data = excluded.data
            """, transaction)
            .With("tenant", record.TenantId).With("id", record.Id).With("workflow", record.WorkflowId).With("step", record.StepId)
            .With("status", StatusText(record.Status)).With("created", record.CreatedAt.UtcTicks).With("expires", record.ExpiresAt.UtcTicks)
            .With("data", JsonSerializer.Serialize(record, AgentRagJson.Options)))
        {
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var entry in audit)
        {
            await using var insert = connection.Command("""
                INSERT INTO approval_audit (tenant_id, approval_id, seq, ts, actor, action, data)
                VALUES (@tenant, @approval, @seq, @ts, @actor, @action, @data)
                ON CONFLICT (tenant_id, approval_id, seq) DO NOTHING
                """, transaction)
                .With("tenant", entry.TenantId).With("approval", entry.ApprovalId).With("seq", entry.Sequence).With("ts", entry.At.UtcTicks)
                .With("actor", entry.Actor).With("action", JsonNamingPolicy.SnakeCaseLower.ConvertName(entry.Action.ToString()))
                .With("data", JsonSerializer.Serialize(entry, AgentRagJson.Options));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<ApprovalRecord?> GetAsync(string tenantId, string approvalId, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        ArgumentNullException.ThrowIfNull(approvalId);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT data FROM approvals WHERE tenant_id = @tenant AND id = @id")
            .With("tenant", tenantId).With("id", approvalId);
        return await command.ExecuteScalarAsync(cancellationToken) is string json ? Read<ApprovalRecord>(json) : null;
    }

    public async Task<ApprovalPage> ListAsync(string tenantId, ApprovalQuery query, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
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
        const string Filter = "tenant_id = @tenant AND (@status IS NULL OR status = @status) AND (@workflow IS NULL OR workflow_id = @workflow)";
        await using var connection = await database.OpenAsync(cancellationToken);
        int total;
        await using (var count = connection.Command($"SELECT count(*) FROM approvals WHERE {Filter}")
            .With("tenant", tenantId).With("status", status).With("workflow", query.WorkflowId))
        {
            total = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        await using var list = connection.Command($"SELECT data FROM approvals WHERE {Filter} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset")
            .With("tenant", tenantId).With("status", status).With("workflow", query.WorkflowId).With("limit", query.Limit).With("offset", query.Offset);
        return new ApprovalPage(await ReadAllAsync<ApprovalRecord>(list, cancellationToken), total);
    }

    public async Task<IReadOnlyList<ApprovalAuditEntry>> GetHistoryAsync(string tenantId, string approvalId, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        ArgumentNullException.ThrowIfNull(approvalId);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT data FROM approval_audit WHERE tenant_id = @tenant AND approval_id = @id ORDER BY seq")
            .With("tenant", tenantId).With("id", approvalId);
        return await ReadAllAsync<ApprovalAuditEntry>(command, cancellationToken);
    }

    public async Task<IReadOnlyList<ApprovalAuditEntry>> ExportAuditAsync(
        string tenantId, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken = default)
    {
        Tenancy.ThrowIfInvalid(tenantId);
        if (limit is < 1 or > MaxExportLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"The audit export limit must be between 1 and {MaxExportLimit}.");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("""
            SELECT data FROM approval_audit
            WHERE tenant_id = @tenant AND (@from IS NULL OR ts >= @from) AND (@to IS NULL OR ts < @to)
            ORDER BY ts, approval_id, seq LIMIT @limit
            """).With("tenant", tenantId).With("from", from?.UtcTicks).With("to", to?.UtcTicks).With("limit", limit);
        return await ReadAllAsync<ApprovalAuditEntry>(command, cancellationToken);
    }

    private static async Task<List<T>> ReadAllAsync<T>(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<T>();
        while (await row.ReadAsync(cancellationToken))
        {
            items.Add(Read<T>(row.GetString(0)));
        }

        return items;
    }

    private static T Read<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, AgentRagJson.Options) ?? throw new JsonException($"A stored {typeof(T).Name} is null.");

    private static string StatusText(ApprovalStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());
}
