using AgentRag.Core.Events;

namespace AgentRag.Storage.Postgres.Events;

/// <summary>
/// <see cref="IEventLog"/> over the shared <c>events</c> table. An append numbers its event inside its transaction,
/// under a transaction-scoped advisory lock on the stream, so appends from every replica get gapless sequences in commit
/// order; the same transaction sends <c>NOTIFY</c> on <see cref="PostgresEventNotifications.Channel"/>, and each
/// replica's <see cref="PostgresEventNotifications"/> hands the committed events to its live subscribers. So a client
/// connected to any replica gets the live stream and the <c>Last-Event-ID</c> replay of a workflow running on another.
/// An append without <c>waitForCommit</c> commits with <c>synchronous_commit = off</c>: visible at once, durable within
/// the server's WAL writer delay. Thread-safe.
/// </summary>
public sealed class PostgresEventLog(PostgresDatabase database, PostgresEventNotifications notifications, TimeProvider time) : IEventLog
{
    public async Task<StoredEvent> AppendAsync(
        string tenantId, string streamId, string type, string data, bool waitForCommit = true, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(data);
        var timestamp = time.GetUtcNow();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var serialize = connection.Command(
            (waitForCommit ? "" : "SET LOCAL synchronous_commit = off; ") +
            "SELECT pg_advisory_xact_lock(hashtextextended(@tenant || '/' || @stream, 0))", transaction)
            .With("tenant", tenantId).With("stream", streamId))
        {
            await serialize.ExecuteNonQueryAsync(cancellationToken);
        }

        long sequence;
        await using (var insert = connection.Command("""
            WITH inserted AS (
                INSERT INTO events (tenant_id, stream_id, seq, type, data, ts)
                SELECT @tenant, @stream, coalesce(max(seq), 0) + 1, @type, @data, @ts FROM events WHERE tenant_id = @tenant AND stream_id = @stream
                RETURNING seq)
            SELECT seq, pg_notify(@channel, @prefix || seq) FROM inserted
            """, transaction)
            .With("tenant", tenantId).With("stream", streamId).With("type", type).With("data", data).With("ts", timestamp.UtcTicks)
            .With("channel", PostgresEventNotifications.Channel).With("prefix", PostgresEventNotifications.PayloadPrefix(tenantId, streamId)))
        {
            sequence = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
        }

        await transaction.CommitAsync(CancellationToken.None);
        return new StoredEvent(tenantId, streamId, sequence, type, data, new DateTimeOffset(timestamp.UtcTicks, TimeSpan.Zero));
    }

    public async Task<IReadOnlyList<StoredEvent>> ReadAsync(
        string tenantId, string streamId, long afterSequence, int maxCount = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadAsync(connection, tenantId, streamId, afterSequence, maxCount, cancellationToken);
    }

    /// <summary>The committed events of a stream after <paramref name="afterSequence"/>, oldest first.</summary>
    internal static async Task<IReadOnlyList<StoredEvent>> ReadAsync(
        Npgsql.NpgsqlConnection connection, string tenantId, string streamId, long afterSequence, int maxCount, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            "SELECT seq, type, data, ts FROM events WHERE tenant_id = @tenant AND stream_id = @stream AND seq > @after ORDER BY seq LIMIT @max")
            .With("tenant", tenantId).With("stream", streamId).With("after", afterSequence).With("max", maxCount);
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<StoredEvent>();
        while (await row.ReadAsync(cancellationToken))
        {
            events.Add(new StoredEvent(tenantId, streamId, row.GetInt64(0), row.GetString(1), row.GetString(2), PostgresCommands.Utc(row.GetInt64(3))));
        }

        return events;
    }

    public EventSubscription Subscribe(string tenantId, string streamId) => notifications.Subscribe(tenantId, streamId);

    public async Task DeleteStreamAsync(string tenantId, string streamId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("DELETE FROM events WHERE tenant_id = @tenant AND stream_id = @stream")
            .With("tenant", tenantId).With("stream", streamId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
