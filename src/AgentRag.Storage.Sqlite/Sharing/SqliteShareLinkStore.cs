using AgentRag.Core.Sharing;
using Microsoft.Data.Sqlite;

namespace AgentRag.Storage.Sqlite.Sharing;

/// <summary><see cref="IShareLinkStore"/> over the embedded store's <c>share_links</c> table. Thread-safe.</summary>
public sealed class SqliteShareLinkStore(SqliteDatabase database) : IShareLinkStore
{
    private const string Columns = "tenant_id, id, workflow_id, created_by, created_at, expires_at, revoked_at";

    public async Task CreateAsync(ShareLink link, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        try
        {
            await database.WriteAsync(connection =>
            {
                using var statement = connection.Prepare(
                    $"INSERT INTO share_links ({Columns}) VALUES (@tenant, @id, @workflow, @by, @created, @expires, @revoked)");
                statement.Bind("@tenant", link.TenantId).Bind("@id", link.Id).Bind("@workflow", link.WorkflowId).Bind("@by", link.CreatedBy)
                    .Bind("@created", link.CreatedAt.UtcTicks).Bind("@expires", link.ExpiresAt.UtcTicks).Bind("@revoked", link.RevokedAt?.UtcTicks)
                    .Execute();
            }, cancellationToken);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteResultCodes.Constraint)
        {
            throw new InvalidOperationException($"A share link with id '{link.Id}' already exists.", ex);
        }
    }

    public Task<ShareLink?> GetAsync(string tenantId, string id, CancellationToken cancellationToken = default) =>
        database.ReadAsync(connection => Find(connection, tenantId, id), cancellationToken);

    public Task<IReadOnlyList<ShareLink>> ListAsync(string tenantId, string? workflowId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return database.ReadAsync<IReadOnlyList<ShareLink>>(connection =>
        {
            using var statement = connection.Prepare($"""
                SELECT {Columns} FROM share_links WHERE tenant_id = @tenant AND (@workflow IS NULL OR workflow_id = @workflow)
                ORDER BY created_at DESC, id DESC LIMIT @limit
                """);
            statement.Bind("@tenant", tenantId).Bind("@workflow", workflowId).Bind("@limit", limit);
            var links = new List<ShareLink>();
            while (statement.Step())
            {
                links.Add(Read(statement));
            }

            return links;
        }, cancellationToken);
    }

    public Task<ShareLink?> RevokeAsync(string tenantId, string id, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        database.WriteAsync(connection =>
        {
            using (var update = connection.Prepare("UPDATE share_links SET revoked_at = @at WHERE tenant_id = @tenant AND id = @id AND revoked_at IS NULL"))
            {
                update.Bind("@at", at.UtcTicks).Bind("@tenant", tenantId).Bind("@id", id).Execute();
            }

            return Find(connection, tenantId, id);
        }, cancellationToken);

    private static ShareLink? Find(SqliteConnection connection, string tenantId, string id)
    {
        using var statement = connection.Prepare($"SELECT {Columns} FROM share_links WHERE tenant_id = @tenant AND id = @id");
        statement.Bind("@tenant", tenantId).Bind("@id", id);
        return statement.Step() ? Read(statement) : null;
    }

    private static ShareLink Read(SqliteStatement row) => new(
        row.GetString(1),
        row.GetString(0),
        row.GetString(2),
        row.GetString(3),
        new DateTimeOffset(row.GetInt64(4), TimeSpan.Zero),
        new DateTimeOffset(row.GetInt64(5), TimeSpan.Zero),
        row.GetNullableInt64(6) is { } revoked ? new DateTimeOffset(revoked, TimeSpan.Zero) : null);
}
