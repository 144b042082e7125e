using System.Collections.Concurrent;
using AgentRag.Core.Events;

namespace AgentRag.Storage.Sqlite.Events;

/// <summary>
/// <see cref="IEventLog"/> over the <c>events</c> table. Sequence numbers are assigned in memory per stream (seeded
/// from the table on a stream's first append in this process), so an event reaches live subscribers before its
/// group commit and appends never wait on a read. Embedded mode has one writing process per data folder, which is
/// what makes the in-memory counter safe.
/// </summary>
public sealed class SqliteEventLog(SqliteDatabase database, EventBroadcaster broadcaster, TimeProvider time) : IEventLog
{
    private readonly ConcurrentDictionary<(string Tenant, string Stream), StreamCounter> _counters = new();

    public async Task<StoredEvent> AppendAsync(
        string tenantId, string streamId, string type, string data, bool waitForCommit = true, CancellationToken cancellationToken = default)
    {
        var counter = _counters.GetOrAdd((tenantId, streamId), _ => new StreamCounter());
        await counter.EnsureSeededAsync(() => ReadLastSequenceAsync(tenantId, streamId, cancellationToken));

        StoredEvent stored;
        Task committed;
        // Numbering and queueing happen under one lock so the queue (and so the table) sees a stream's events in order.
        lock (counter)
        {
            stored = new StoredEvent(tenantId, streamId, ++counter.Last, type, data, time.GetUtcNow());
            committed = waitForCommit
                ? database.WriteAsync(connection => Insert(connection, stored), CancellationToken.None)
                : database.EnqueueAsync(stored, Insert, CancellationToken.None).AsTask();
        }

        broadcaster.Publish(stored);
        await committed;
        if (waitForCommit)
        {
            counter.MarkCommitted(stored.Sequence);
        }

        return stored;
    }

    /// <remarks>
    /// Waits first for the stream's events that were already published but not yet committed (appended without
    /// waiting), so a reader that subscribed before reading sees no gap between the backlog and the live events.
    /// </remarks>
    public async Task<IReadOnlyList<StoredEvent>> ReadAsync(
        string tenantId, string streamId, long afterSequence, int maxCount = 1000, CancellationToken cancellationToken = default)
    {
        if (_counters.TryGetValue((tenantId, streamId), out var counter) && counter.UncommittedUpTo() is { } published)
        {
            // The writer queue is FIFO: once a flush queued now commits, every earlier append has committed too.
            await database.FlushAsync(cancellationToken);
            counter.MarkCommitted(published);
        }

        return await ReadCommittedAsync(tenantId, streamId, afterSequence, maxCount, cancellationToken);
    }

    private Task<IReadOnlyList<StoredEvent>> ReadCommittedAsync(
        string tenantId, string streamId, long afterSequence, int maxCount, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<StoredEvent>>(connection =>
        {
            using var statement = connection.Prepare(
                "SELECT seq, type, data, ts FROM events WHERE tenant_id = @tenant AND stream_id = @stream AND seq > @after ORDER BY seq LIMIT @max");
            statement.Bind("@tenant", tenantId).Bind("@stream", streamId).Bind("@after", afterSequence).Bind("@max", maxCount);
            var events = new List<StoredEvent>();
            while (statement.Step())
            {
                events.Add(new StoredEvent(tenantId, streamId, statement.GetInt64(0), statement.GetString(1), statement.GetString(2),
                    new DateTimeOffset(statement.GetInt64(3), TimeSpan.Zero)));
            }

            return events;
        }, cancellationToken);

    public EventSubscription Subscribe(string tenantId, string streamId) => broadcaster.Subscribe(tenantId, streamId);

    public async Task DeleteStreamAsync(string tenantId, string streamId, CancellationToken cancellationToken = default)
    {
        await database.WriteAsync(connection =>
        {
            using var statement = connection.Prepare("DELETE FROM events WHERE tenant_id = @tenant AND stream_id = @stream");
            statement.Bind("@tenant", tenantId).Bind("@stream", streamId).Execute();
        }, cancellationToken);
        _counters.TryRemove((tenantId, streamId), out _);
    }

    private Task<long> ReadLastSequenceAsync(string tenantId, string streamId, CancellationToken cancellationToken) =>
        database.ReadAsync(connection =>
        {
            using var statement = connection.Prepare("SELECT coalesce(max(seq), 0) FROM events WHERE tenant_id = @tenant AND stream_id = @stream");
            statement.Bind("@tenant", tenantId).Bind("@stream", streamId).Step();
            return statement.GetInt64(0);
        }, cancellationToken);

    private static void Insert(SqliteConnection connection, StoredEvent stored)
    {
        using var statement = connection.Prepare(
            "INSERT INTO events (tenant_id, stream_id, seq, type, data, ts) VALUES (@tenant, @stream, @seq, @type, @data, @ts)");
        statement.Bind("@tenant", stored.TenantId).Bind("@stream", stored.StreamId).Bind("@seq", stored.Sequence)
            .Bind("@type", stored.Type).Bind("@data", stored.Data).Bind("@ts", stored.Timestamp.UtcTicks).Execute();
    }

    /// <summary>The last sequence number handed out for one stream.</summary>
    private sealed class StreamCounter
    {
        private readonly SemaphoreSlim _seeding = new(1, 1);
        private volatile bool _seeded;

        private long _committed;

        public long Last;

        /// <summary>The last sequence handed out when some sequence up to it may not have committed yet; otherwise null.</summary>
        public long? UncommittedUpTo()
        {
            lock (this)
            {
                return Last > _committed ? Last : null;
            }
        }

        public void MarkCommitted(long sequence)
        {
            lock (this)
            {
                _committed = Math.Max(_committed, sequence);
            }
        }

        public async Task EnsureSeededAsync(Func<Task<long>> readLast)
        {
            if (_seeded)
            {
                return;
            }

            await _seeding.WaitAsync();
            try
            {
                if (!_seeded)
                {
                    var last = await readLast();
                    lock (this)
                    {
                        Last = Math.Max(Last, last);
                        _committed = Math.Max(_committed, last);
                    }

                    _seeded = true;
                }
            }
            finally
            {
                _seeding.Release();
            }
        }
    }
}
