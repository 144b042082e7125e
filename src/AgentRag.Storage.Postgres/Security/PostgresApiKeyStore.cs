using AgentRag.Core.Security;
using Npgsql;

namespace AgentRag.Storage.Postgres.Security;

/// <summary>
/// <see cref="IApiKeyStore"/> over <c>api_keys</c>. Reads go straight to the database, so a key revoked through one
/// replica is refused by every other at its next use. The key secret is the <see cref="KeySecretName"/> row of
/// <c>cluster_secrets</c>, created under the cluster-wide migration lock, so replicas starting together share one.
/// Thread-safe.
/// </summary>
public sealed class PostgresApiKeyStore(PostgresDatabase database, TimeProvider time) : IApiKeyStore
{
    /// <summary>The key secret's name in <c>cluster_secrets</c>.</summary>
    public const string KeySecretName = "api-key-secret";

    private const string Columns = "id, tenant_id, name, role, platform_admin, prefix, created_at, expires_at, last_used_at, revoked_at";

    public async Task CreateAsync(ApiKey key, byte[] hash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(hash);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command($"""
            INSERT INTO api_keys ({Columns}, hash)
            VALUES (@id, @tenant, @name, @role, @platform, @prefix, @created, @expires, @used, @revoked, @hash)
            """)
            .With("id", key.Id).With("tenant", key.TenantId).With("name", key.Name).With("role", TenantRoles.Name(key.Role))
            .With("platform", key.PlatformAdmin ? 1 : 0).With("prefix", key.Prefix).With("created", key.CreatedAt.UtcTicks)
            .With("expires", key.ExpiresAt?.UtcTicks).With("used", key.LastUsedAt?.UtcTicks).With("revoked", key.RevokedAt?.UtcTicks)
            .With("hash", hash);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new InvalidOperationException($"An API key with id '{key.Id}' or the same hash already exists.", ex);
        }
    }

    public async Task<ApiKey?> FindByHashAsync(byte[] hash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hash);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {Columns} FROM api_keys WHERE hash = @hash").With("hash", hash);
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task<ApiKey?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command($"SELECT {Columns} FROM api_keys WHERE id = @id").With("id", id);
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<ApiKey>> ListAsync(string? tenantId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            $"SELECT {Columns} FROM api_keys WHERE @tenant IS NULL OR tenant_id = @tenant ORDER BY created_at DESC, id DESC").With("tenant", tenantId);
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<bool> AnyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT EXISTS (SELECT 1 FROM api_keys)");
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<ApiKey?> RevokeAsync(string id, string? tenantId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command($"""
            UPDATE api_keys SET revoked_at = coalesce(revoked_at, @at) WHERE id = @id AND (@tenant IS NULL OR tenant_id = @tenant)
            RETURNING {Columns}
            """).With("at", at.UtcTicks).With("id", id).With("tenant", tenantId);
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task TouchAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "UPDATE api_keys SET last_used_at = greatest(coalesce(last_used_at, 0), @at) WHERE id = @id").With("at", at.UtcTicks).With("id", id);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<string> GetOrCreateKeySecretAsync(Func<string> create, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(create);
        string? secret = null;
        await database.RunUnderMigrationLockAsync(async (connection, cancellation) =>
        {
            secret = await ReadKeySecretAsync(connection, cancellation);
            if (secret is null)
            {
                secret = create();
                await using var insert = connection.Command("INSERT INTO cluster_secrets (name, value, created_at) VALUES (@name, @value, @now)")
                    .With("name", KeySecretName).With("value", secret).With("now", time.GetUtcNow().UtcTicks);
                await insert.ExecuteNonQueryAsync(cancellation);
            }
        }, cancellationToken);
        return secret!;
    }

    /// <summary>The stored key secret, or null when none was created yet.</summary>
    internal static async Task<string?> ReadKeySecretAsync(NpgsqlConnection connection, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null)
    {
        await using var select = connection.Command("SELECT value FROM cluster_secrets WHERE name = @name", transaction).With("name", KeySecretName);
        return await select.ExecuteScalarAsync(cancellationToken) as string;
    }

    private static async Task<List<ApiKey>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKey>();
        while (await row.ReadAsync(cancellationToken))
        {
            if (!TenantRoles.TryParse(row.GetString(3), out var role))
            {
                throw new InvalidDataException($"API key '{row.GetString(0)}' has an unknown role '{row.GetString(3)}'.");
            }

            keys.Add(new ApiKey(
                row.GetString(0), row.GetString(1), row.GetString(2), role, row.GetInt32(4) == 1, row.GetString(5),
                PostgresCommands.Utc(row.GetInt64(6)),
                row.GetNullableInt64(7) is { } expires ? PostgresCommands.Utc(expires) : null,
                row.GetNullableInt64(8) is { } used ? PostgresCommands.Utc(used) : null,
                row.GetNullableInt64(9) is { } revoked ? PostgresCommands.Utc(revoked) : null));
        }

        return keys;
    }
}
