using AgentRag.Core.Retention;

namespace AgentRag.Storage.Postgres.Retention;

/// <summary>
/// <see cref="IRetentionStore"/> over the cluster's PostgreSQL database: the same rules and batches as the embedded store
/// (<see cref="RetentionSql"/>), each batch one short transaction. Space is reclaimed by PostgreSQL's autovacuum, not here
/// (<see cref="ReclaimSpaceAsync"/> returns 0): freed tuples are reused by new rows, and a file shrinks only under
/// <c>VACUUM FULL</c>, an operator's decision (docs/operations.md, "Retention"). Thread-safe.
/// </summary>
public sealed class PostgresRetentionStore(PostgresDatabase database) : IRetentionStore
{
    public async Task<int> DeleteExpiredAsync(RetentionRule rule, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var delete = connection.Command(RetentionSql.DeleteBatch(rule)).With("cutoff", cutoff.UtcTicks).With("limit", (long)batchSize);
        return await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> DeleteFinishedWorkflowsAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var finished = new List<(string Tenant, string Id)>();
        await using (var select = connection.Command(
            "SELECT tenant_id, actor_id FROM actor_state WHERE actor_type = @type AND key = @key AND updated_at < @cutoff " +
            $"AND (value::jsonb ->> 'status') IN ({RetentionSql.FinishedStatusList}) LIMIT @limit FOR UPDATE SKIP LOCKED", transaction)
            .With("type", WorkflowRetention.ActorType).With("key", WorkflowRetention.StateKey).With("cutoff", cutoff.UtcTicks).With("limit", (long)batchSize))
        {
            await using var rows = await select.ExecuteReaderAsync(cancellationToken);
            while (await rows.ReadAsync(cancellationToken))
            {
                finished.Add((rows.GetString(0), rows.GetString(1)));
            }
        }

        foreach (var (tenant, id) in finished)
        {
            await using (var events = connection.Command(RetentionSql.DeleteWorkflowEvents, transaction)
                .With("tenant", tenant).With("stream", WorkflowRetention.StreamId(id)))
            {
                await events.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var sql in new[] { RetentionSql.DeleteWorkflowReminders, RetentionSql.DeleteWorkflowState })
            {
                await using var delete = connection.Command(sql, transaction).With("tenant", tenant).With("type", WorkflowRetention.ActorType).With("id", id);
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return finished.Count;
    }

    public async Task<IReadOnlyList<DocumentOriginal>> ListDocumentsCreatedBeforeAsync(
        DateTimeOffset cutoff, DocumentOriginal? after, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var select = connection.Command(RetentionSql.DocumentsCreatedBefore).With("cutoff", cutoff.UtcTicks)
            .With("tenant", after?.TenantId ?? "").With("id", after?.DocumentId ?? "").With("limit", (long)batchSize);
        await using var rows = await select.ExecuteReaderAsync(cancellationToken);
        var documents = new List<DocumentOriginal>();
        while (await rows.ReadAsync(cancellationToken))
        {
            documents.Add(new DocumentOriginal(rows.GetString(0), rows.GetString(1), rows.GetString(2)));
        }

        return documents;
    }

    /// <summary>Nothing to do: autovacuum reclaims dead tuples for reuse (see the type's remarks). Returns 0.</summary>
    public Task<long> ReclaimSpaceAsync(CancellationToken cancellationToken = default) => Task.FromResult(0L);
}
