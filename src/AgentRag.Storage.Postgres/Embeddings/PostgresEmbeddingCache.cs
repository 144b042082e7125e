using System.Runtime.InteropServices;
using AgentRag.Core.Search;

namespace AgentRag.Storage.Postgres.Embeddings;

/// <summary>
/// <see cref="IEmbeddingCache"/> over <c>embedding_cache</c>: one row per scope, model and text hash, the vector as
/// float32 little-endian <c>bytea</c> (the embedded store's layout). Lookups pass the hashes as one array parameter;
/// writes are one transaction per call, upserting, so replicas embedding one text agree. A tenant's rows carry its id in
/// <c>tenant_id</c>, so its export and erasure cover them. Thread-safe.
/// </summary>
public sealed class PostgresEmbeddingCache(PostgresDatabase database, TimeProvider timeProvider) : IEmbeddingCache
{
    public async Task<IReadOnlyDictionary<string, float[]>> GetManyAsync(
        EmbeddingCacheScope scope, string model, IReadOnlyCollection<string> textHashes, CancellationToken cancellationToken = default)
    {
        RequireScope(scope);
        ArgumentException.ThrowIfNullOrEmpty(model);
        ArgumentNullException.ThrowIfNull(textHashes);
        var hashes = textHashes.Where(EmbeddingCacheScope.IsTextHash).Distinct(StringComparer.Ordinal).ToArray();
        var found = new Dictionary<string, float[]>(StringComparer.Ordinal);
        if (hashes.Length == 0)
        {
            return found;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT text_hash, dimensions, vector FROM embedding_cache WHERE tenant_id = @scope AND model = @model AND text_hash = ANY(@hashes)")
            .With("scope", scope.Key).With("model", model).With("hashes", hashes);
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        while (await row.ReadAsync(cancellationToken))
        {
            var bytes = (byte[])row.GetValue(2);
            if (bytes.Length != row.GetInt32(1) * sizeof(float))
            {
                continue; // A damaged row is a miss: the text is embedded again and the row replaced.
            }

            found[row.GetString(0)] = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        }

        return found;
    }

    public async Task PutManyAsync(EmbeddingCacheScope scope, string model, IReadOnlyList<CachedEmbedding> entries, CancellationToken cancellationToken = default)
    {
        RequireScope(scope);
        ArgumentException.ThrowIfNullOrEmpty(model);
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var entry in entries)
        {
            if (!EmbeddingCacheScope.IsTextHash(entry.TextHash))
            {
                throw new ArgumentException($"'{entry.TextHash}' is not a text hash (64 lower-case hex digits of SHA-256).", nameof(entries));
            }

            if (entry.Vector is not { Length: > 0 })
            {
                throw new ArgumentException($"The vector of text hash '{entry.TextHash}' is empty.", nameof(entries));
            }
        }

        if (entries.Count == 0)
        {
            return;
        }

        // One row per hash: the last entry of a repeated hash wins, as it would with one upsert after another.
        var rows = entries.GroupBy(e => e.TextHash, StringComparer.Ordinal).Select(g => g.Last()).ToList();
        var now = timeProvider.GetUtcNow().UtcTicks;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("""
            INSERT INTO embedding_cache (tenant_id, model, text_hash, dimensions, vector, created_at)
            SELECT @scope, @model, h, d, v, @now FROM unnest(@hashes, @dimensions, @vectors) AS t(h, d, v)
            ON CONFLICT (tenant_id, model, text_hash) DO UPDATE SET dimensions = excluded.dimensions, vector = excluded.vector
            """)
            .With("scope", scope.Key).With("model", model).With("now", now).With("hashes", rows.Select(r => r.TextHash).ToArray());
        command.Parameters.Add(new Npgsql.NpgsqlParameter("dimensions", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Integer)
        {
            Value = rows.Select(r => r.Vector.Length).ToArray(),
        });
        command.Parameters.Add(new Npgsql.NpgsqlParameter("vectors", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bytea)
        {
            Value = rows.Select(r => MemoryMarshal.AsBytes(r.Vector.AsSpan()).ToArray()).ToArray(),
        });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> CountAsync(EmbeddingCacheScope scope, string? model = null, CancellationToken cancellationToken = default)
    {
        RequireScope(scope);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT count(*) FROM embedding_cache WHERE tenant_id = @scope AND (@model IS NULL OR model = @model)")
            .With("scope", scope.Key).With("model", model);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static void RequireScope(EmbeddingCacheScope scope)
    {
        if (scope.Key is null)
        {
            throw new ArgumentException("The embedding cache scope is unset: use EmbeddingCacheScope.ForTenant or ForDataset.", nameof(scope));
        }
    }
}
