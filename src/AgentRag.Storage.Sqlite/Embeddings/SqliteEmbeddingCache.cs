using System.Runtime.InteropServices;
using AgentRag.Core.Search;

namespace AgentRag.Storage.Sqlite.Embeddings;

/// <summary>
/// <see cref="IEmbeddingCache"/> over the <c>embedding_cache</c> table (schema version 11): one row per scope, model and
/// text hash, the vector as float32 little-endian bytes. Lookups read in batches of at most 500 hashes; writes go through
/// the single writer in one transaction per call (an upsert, so concurrent writers of one text agree). A tenant's rows
/// carry its id in <c>tenant_id</c>, so the store's export and erasure cover them. Thread-safe.
/// </summary>
public sealed class SqliteEmbeddingCache(SqliteDatabase database, TimeProvider timeProvider) : IEmbeddingCache
{
    private const int LookupBatch = 500;

    public Task<IReadOnlyDictionary<string, float[]>> GetManyAsync(
        EmbeddingCacheScope scope, string model, IReadOnlyCollection<string> textHashes, CancellationToken cancellationToken = default)
    {
        RequireScope(scope);
        ArgumentException.ThrowIfNullOrEmpty(model);
        ArgumentNullException.ThrowIfNull(textHashes);
        var hashes = textHashes.Where(EmbeddingCacheScope.IsTextHash).Distinct(StringComparer.Ordinal).ToList();
        if (hashes.Count == 0)
        {
            return Task.FromResult<IReadOnlyDictionary<string, float[]>>(new Dictionary<string, float[]>());
        }

        return database.ReadAsync<IReadOnlyDictionary<string, float[]>>(connection =>
        {
            var found = new Dictionary<string, float[]>(StringComparer.Ordinal);
            using var statement = connection.Prepare(
                "SELECT text_hash, dimensions, vector FROM embedding_cache " +
                "WHERE tenant_id = @scope AND model = @model AND text_hash IN (SELECT value FROM json_each(@hashes))");
            for (var start = 0; start < hashes.Count; start += LookupBatch)
            {
                var batch = hashes.GetRange(start, Math.Min(LookupBatch, hashes.Count - start));
                statement.Reset();
                statement.Bind("@scope", scope.Key).Bind("@model", model).Bind("@hashes", "[\"" + string.Join("\",\"", batch) + "\"]");
                while (statement.Step())
                {
                    var bytes = statement.GetBlob(2);
                    var dimensions = statement.GetInt32(1);
                    if (bytes.Length != dimensions * sizeof(float))
                    {
                        continue; // A damaged row is a miss: the text is embedded again and the row replaced.
                    }

                    found[statement.GetString(0)] = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
                }
            }

            return found;
        }, cancellationToken);
    }

    public Task PutManyAsync(EmbeddingCacheScope scope, string model, IReadOnlyList<CachedEmbedding> entries, CancellationToken cancellationToken = default)
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
            return Task.CompletedTask;
        }

        var now = timeProvider.GetUtcNow().UtcTicks;
        return database.WriteAsync(connection =>
        {
            using var statement = connection.Prepare(
                "INSERT INTO embedding_cache (tenant_id, model, text_hash, dimensions, vector, created_at) " +
                "VALUES (@scope, @model, @hash, @dimensions, @vector, @now) " +
                "ON CONFLICT (tenant_id, model, text_hash) DO UPDATE SET dimensions = excluded.dimensions, vector = excluded.vector");
            foreach (var entry in entries)
            {
                statement.Reset();
                statement.Bind("@scope", scope.Key).Bind("@model", model).Bind("@hash", entry.TextHash)
                    .Bind("@dimensions", entry.Vector.Length).Bind("@vector", MemoryMarshal.AsBytes(entry.Vector.AsSpan())).Bind("@now", now)
                    .Execute();
            }
        }, cancellationToken);
    }

    public Task<long> CountAsync(EmbeddingCacheScope scope, string? model = null, CancellationToken cancellationToken = default)
    {
        RequireScope(scope);
        return database.ReadAsync(connection =>
        {
            using var statement = connection.Prepare("SELECT COUNT(*) FROM embedding_cache WHERE tenant_id = @scope AND (@model IS NULL OR model = @model)");
            statement.Bind("@scope", scope.Key).Bind("@model", model);
            return statement.Step() ? statement.GetInt64(0) : 0;
        }, cancellationToken);
    }

    private static void RequireScope(EmbeddingCacheScope scope)
    {
        if (scope.Key is null)
        {
            throw new ArgumentException("The embedding cache scope is unset: use EmbeddingCacheScope.ForTenant or ForDataset.", nameof(scope));
        }
    }
}
