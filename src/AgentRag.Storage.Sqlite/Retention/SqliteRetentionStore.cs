using AgentRag.Core.Retention;

namespace AgentRag.Storage.Sqlite.Retention;

/// <summary>
/// <see cref="IRetentionStore"/> over the embedded database. Each batch is one item of the group-commit writer (so a
/// batch shares a short transaction with other writers' items and never holds the write lock long); reclaiming runs
/// <c>PRAGMA incremental_vacuum</c> in bounded steps through the same writer, then a WAL checkpoint so the file shrinks.
/// Thread-safe.
/// </summary>
public sealed class SqliteRetentionStore(SqliteDatabase database) : IRetentionStore
{
    /// <summary>Free pages one vacuum step gives back (4 MiB at the default 4 KiB page): short enough not to stall writers.</summary>
    private const int VacuumPagesPerStep = 1024;

    public Task<int> DeleteExpiredAsync(RetentionRule rule, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var sql = RetentionSql.DeleteBatch(rule);
        return database.WriteAsync(connection =>
        {
            using var delete = connection.Prepare(sql);
            return delete.Bind("@cutoff", cutoff.UtcTicks).Bind("@limit", (long)batchSize).Execute();
        }, cancellationToken);
    }

    public Task<int> DeleteFinishedWorkflowsAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return database.WriteAsync(connection =>
        {
            var finished = new List<(string Tenant, string Id)>();
            using (var select = connection.Prepare(
                "SELECT tenant_id, actor_id FROM actor_state WHERE actor_type = @type AND key = @key AND updated_at < @cutoff " +
                $"AND json_extract(value, '$.status') IN ({RetentionSql.FinishedStatusList}) LIMIT @limit"))
            {
                select.Bind("@type", WorkflowRetention.ActorType).Bind("@key", WorkflowRetention.StateKey)
                    .Bind("@cutoff", cutoff.UtcTicks).Bind("@limit", (long)batchSize);
                while (select.Step())
                {
                    finished.Add((select.GetString(0), select.GetString(1)));
                }
            }

            foreach (var (tenant, id) in finished)
            {
                using (var events = connection.Prepare(RetentionSql.DeleteWorkflowEvents))
                {
                    events.Bind("@tenant", tenant).Bind("@stream", WorkflowRetention.StreamId(id)).Execute();
                }

                foreach (var sql in (ReadOnlySpan<string>)[RetentionSql.DeleteWorkflowReminders, RetentionSql.DeleteWorkflowState])
                {
                    using var delete = connection.Prepare(sql);
                    delete.Bind("@tenant", tenant).Bind("@type", WorkflowRetention.ActorType).Bind("@id", id).Execute();
                }
            }

            return finished.Count;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<DocumentOriginal>> ListDocumentsCreatedBeforeAsync(
        DateTimeOffset cutoff, DocumentOriginal? after, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return database.ReadAsync<IReadOnlyList<DocumentOriginal>>(connection =>
        {
            using var select = connection.Prepare(RetentionSql.DocumentsCreatedBefore);
            select.Bind("@cutoff", cutoff.UtcTicks).Bind("@tenant", after?.TenantId ?? "").Bind("@id", after?.DocumentId ?? "")
                .Bind("@limit", (long)batchSize);
            var documents = new List<DocumentOriginal>();
            while (select.Step())
            {
                documents.Add(new DocumentOriginal(select.GetString(0), select.GetString(1), select.GetString(2)));
            }

            return documents;
        }, cancellationToken);
    }

    public async Task<long> ReclaimSpaceAsync(CancellationToken cancellationToken = default)
    {
        var before = FileBytes();
        var freedInAll = 0L;
        while (true)
        {
            var freed = await database.WriteAsync(connection =>
            {
                var free = FreePages(connection);
                if (free == 0)
                {
                    return 0;
                }

                using var vacuum = connection.Prepare($"PRAGMA incremental_vacuum({VacuumPagesPerStep})");
                while (vacuum.Step())
                {
                }

                return free - FreePages(connection);
            }, cancellationToken).ConfigureAwait(false);
            if (freed <= 0)
            {
                break;
            }

            freedInAll += freed;
        }

        if (freedInAll == 0)
        {
            // Nothing was freed: skip the checkpoint, which may make writers wait for a reader (up to a second).
            return 0;
        }

        await database.CheckpointAsync(cancellationToken).ConfigureAwait(false);
        return Math.Max(0, before - FileBytes());
    }

    private static long FreePages(SqliteConnection connection)
    {
        using var count = connection.Prepare("PRAGMA freelist_count");
        count.Step();
        return count.GetInt64(0);
    }

    private long FileBytes() => SqliteDatabase.FileBytes(database.FilePath);
}
