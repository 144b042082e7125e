using AgentRag.Core.Security;
using Microsoft.Data.Sqlite;

namespace AgentRag.Storage.Sqlite.Security;

/// <summary>
/// <see cref="IApiKeyStore"/> over the <c>api_keys</c> table (schema version 8). Reads go straight to the database, so
/// a key revoked by another process (the CLI beside a server) is refused at its next use. The key secret is the
/// owner-only file <see cref="KeySecretPath"/> in the data folder (where earlier releases kept it). Thread-safe.
/// </summary>
public sealed class SqliteApiKeyStore(SqliteDatabase database) : IApiKeyStore
{
    /// <summary>The key secret's file, relative to the data folder.</summary>
    public static readonly string KeySecretPath = Path.Combine("secrets", "api-key.secret");

    private const string Columns = "id, tenant_id, name, role, platform_admin, prefix, created_at, expires_at, last_used_at, revoked_at";

    public async Task CreateAsync(ApiKey key, byte[] hash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(hash);
        try
        {
            await database.WriteAsync(connection =>
            {
                using var statement = connection.Prepare($"""
                    INSERT INTO api_keys ({Columns}, hash)
                    VALUES (@id, @tenant, @name, @role, @platform, @prefix, @created, @expires, @used, @revoked, @hash)
                    """);
                statement.Bind("@id", key.Id).Bind("@tenant", key.TenantId).Bind("@name", key.Name).Bind("@role", TenantRoles.Name(key.Role))
                    .Bind("@platform", key.PlatformAdmin ? 1 : 0).Bind("@prefix", key.Prefix).Bind("@created", key.CreatedAt.UtcTicks)
                    .Bind("@expires", key.ExpiresAt?.UtcTicks).Bind("@used", key.LastUsedAt?.UtcTicks).Bind("@revoked", key.RevokedAt?.UtcTicks)
                    .Bind("@hash", hash).Execute();
            }, cancellationToken);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteResultCodes.Constraint)
        {
            throw new InvalidOperationException($"An API key with id '{key.Id}' or the same hash already exists.", ex);
        }
    }

    public Task<ApiKey?> FindByHashAsync(byte[] hash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hash);
        return database.ReadAsync(connection =>
        {
            using var statement = connection.Prepare($"SELECT {Columns} FROM api_keys WHERE hash = @hash");
            statement.Bind("@hash", hash);
            return statement.Step() ? Read(statement) : null;
        }, cancellationToken);
    }

    public Task<ApiKey?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return database.ReadAsync(connection =>
        {
            using var statement = connection.Prepare($"SELECT {Columns} FROM api_keys WHERE id = @id");
            statement.Bind("@id", id);
            return statement.Step() ? Read(statement) : null;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<ApiKey>> ListAsync(string? tenantId, CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyList<ApiKey>>(connection =>
        {
            using var statement = connection.Prepare($"""
                SELECT {Columns} FROM api_keys WHERE @tenant IS NULL OR tenant_id = @tenant ORDER BY created_at DESC, id DESC
                """);
            statement.Bind("@tenant", tenantId);
            var keys = new List<ApiKey>();
            while (statement.Step())
            {
                keys.Add(Read(statement));
            }

            return keys;
        }, cancellationToken);

    public Task<bool> AnyAsync(CancellationToken cancellationToken = default) =>
        database.ReadAsync(connection =>
        {
            using var statement = connection.Prepare("SELECT EXISTS (SELECT 1 FROM api_keys)");
            return statement.Step() && statement.GetInt64(0) == 1;
        }, cancellationToken);

    public Task<ApiKey?> RevokeAsync(string id, string? tenantId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return database.WriteAsync(connection =>
        {
            using (var update = connection.Prepare("""
                UPDATE api_keys SET revoked_at = COALESCE(revoked_at, @at) WHERE id = @id AND (@tenant IS NULL OR tenant_id = @tenant)
                """))
            {
                update.Bind("@at", at.UtcTicks).Bind("@id", id).Bind("@tenant", tenantId).Execute();
            }

            using var select = connection.Prepare($"SELECT {Columns} FROM api_keys WHERE id = @id AND (@tenant IS NULL OR tenant_id = @tenant)");
            select.Bind("@id", id).Bind("@tenant", tenantId);
            return select.Step() ? Read(select) : null;
        }, cancellationToken);
    }

    public Task TouchAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return database.EnqueueAsync((Id: id, Ticks: at.UtcTicks), static (connection, state) =>
        {
            using var statement = connection.Prepare("UPDATE api_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), @at) WHERE id = @id");
            statement.Bind("@at", state.Ticks).Bind("@id", state.Id).Execute();
        }, cancellationToken).AsTask();
    }

    public Task<string> GetOrCreateKeySecretAsync(Func<string> create, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(create);
        cancellationToken.ThrowIfCancellationRequested();
        var path = Path.Combine(Path.GetDirectoryName(database.FilePath)!, KeySecretPath);
        return Task.FromResult(SecretFiles.ReadOrCreate(path, create).Value);
    }

    private static ApiKey Read(SqliteStatement statement)
    {
        if (!TenantRoles.TryParse(statement.GetString(3), out var role))
        {
            throw new InvalidDataException($"API key '{statement.GetString(0)}' has an unknown role '{statement.GetString(3)}'.");
        }

        return new ApiKey(
            statement.GetString(0),
            statement.GetString(1),
            statement.GetString(2),
            role,
            statement.GetInt64(4) == 1,
            statement.GetString(5),
            Utc(statement.GetInt64(6)),
            statement.GetNullableInt64(7) is { } expires ? Utc(expires) : null,
            statement.GetNullableInt64(8) is { } used ? Utc(used) : null,
            statement.GetNullableInt64(9) is { } revoked ? Utc(revoked) : null);
    }

    private static DateTimeOffset Utc(long ticks) => new(ticks, TimeSpan.Zero);
}
