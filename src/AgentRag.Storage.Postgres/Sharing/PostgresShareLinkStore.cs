using AgentRag.Core.Sharing;
using Npgsql;

namespace AgentRag.Storage.Postgres.Sharing;

/// <summary>
/// <see cref="IShareLinkStore"/> over <c>share_links</c>. Reads go straight to the database, so a link revoked through
/// one replica stops working on every other at its next use. Thread-safe.
/// </summary>
public sealed class PostgresShareLinkStore(PostgresDatabase database) : IShareLinkStore
{
    private const string Columns = "tenant_id, id, workflow_id, created_by, created_at, expires_at, revoked_at";

    public async Task CreateAsync(ShareLink link, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"INSERT INTO share_links ({Columns}) VALUES (@tenant, @id, @workflow, @by, @created, @expires, @revoked)")
            .With("tenant", link.TenantId).With("id", link.Id).With("workflow", link.WorkflowId).With("by", link.CreatedBy)
            .With("created", link.CreatedAt.UtcTicks).With("expires", link.ExpiresAt.UtcTicks).With("revoked", link.RevokedAt?.UtcTicks);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new InvalidOperationException($"A share link with id '{link.Id}' already exists.", ex);
        }
    }

    public async Task<ShareLink?> GetAsync(string tenantId, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {Columns} FROM share_links WHERE tenant_id = @tenant AND id = @id")
            .With("tenant", tenantId).With("id", id);
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<ShareLink>> ListAsync(string tenantId, string? workflowId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command($"""
            SELECT {Columns} FROM share_links WHERE tenant_id = @tenant AND (@workflow IS NULL OR workflow_id = @workflow)
            ORDER BY created_at DESC, id DESC LIMIT @limit
            """).With("tenant", tenantId).With("workflow", workflowId).With("limit", limit);
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<ShareLink?> RevokeAsync(string tenantId, string id, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command($"""
            UPDATE share_links SET revoked_at = coalesce(revoked_at, @at) WHERE tenant_id = @tenant AND id = @id RETURNING {Columns}
            """).With("at", at.UtcTicks).With("tenant", tenantId).With("id", id);
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    private static async Task<List<ShareLink>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        var links = new List<ShareLink>();
        while (await row.ReadAsync(cancellationToken))
        {
            links.Add(new ShareLink(
                row.GetString(1),
                row.GetString(0),
                row.GetString(2),
                row.GetString(3),
                PostgresCommands.Utc(row.GetInt64(4)),
                PostgresCommands.Utc(row.GetInt64(5)),
                row.GetNullableInt64(6) is { } revoked ? PostgresCommands.Utc(revoked) : null));
        }

        return links;
    }
}
