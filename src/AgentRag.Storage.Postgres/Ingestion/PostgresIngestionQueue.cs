using System.Runtime.CompilerServices;
using AgentRag.Core.Coordination;
using AgentRag.Core.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AgentRag.Storage.Postgres.Ingestion;

/// <summary>
/// The cluster's <see cref="IIngestionQueue"/>: rows of <c>ingestion_queue</c>, claimed with
/// <c>FOR UPDATE SKIP LOCKED</c> and a lease (<see cref="PostgresStorageOptions.IngestionLease"/>), so any replica takes
/// the next document and no two take the same one. A reader holds a job from the moment it is handed out until the
/// reader asks for the next one, renewing the lease meanwhile; then the row is deleted. A reader that stops early (its
/// token cancelled, its loop left) gives the job back; a reader whose process dies keeps it only until the lease ends,
/// after which another replica claims it. New jobs are signalled with <c>NOTIFY</c> on <see cref="Channel"/>; idle
/// readers also look every <see cref="PostgresStorageOptions.QueuePollInterval"/> for expired leases. Thread-safe.
/// </summary>
public sealed partial class PostgresIngestionQueue : IIngestionQueue, IAsyncDisposable
{
    /// <summary>The notification channel an enqueue signals on.</summary>
    public const string Channel = "agentrag_ingestion";

    private readonly PostgresDatabase _database;
    private readonly IDocumentStore _documents;
    private readonly IDistributedLock _locks;
    private readonly TimeProvider _time;
    private readonly ILogger<PostgresIngestionQueue> _logger;
    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly CancellationTokenSource _disposed = new();
    private readonly SemaphoreSlim _recovery = new(1, 1);
    private readonly object _signalGate = new();
    private TaskCompletionSource _signal = NewSignal();
    private Task? _listening;
    private ILease? _recoveryLease;

    public PostgresIngestionQueue(
        PostgresDatabase database, IDocumentStore documents, IDistributedLock locks, TimeProvider time, ILogger<PostgresIngestionQueue> logger)
    {
        _database = database;
        _documents = documents;
        _locks = locks;
        _time = time;
        _logger = logger;
    }

    public async ValueTask EnqueueAsync(IngestionJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        await using var connection = await _database.OpenAsync(cancellationToken);
        await InsertAsync(connection, [job], cancellationToken);
        Pulse();
    }

    public async IAsyncEnumerable<IngestionJob> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        EnsureListening();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        var token = stop.Token;
        while (!token.IsCancellationRequested)
        {
            Claimed? claimed;
            try
            {
                var signal = CurrentSignal();
                claimed = await ClaimAsync(token);
                if (claimed is null)
                {
                    await Task.WhenAny(signal, Task.Delay(_database.Options.QueuePollInterval, _time, token)).WaitAsync(token);
                    continue;
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                yield break;
            }

            var done = false;
            using var renewing = CancellationTokenSource.CreateLinkedTokenSource(token);
            var renewal = RenewAsync(claimed.Id, renewing.Token);
            try
            {
                yield return claimed.Job;
                done = true; // The reader asked for the next job: this one is finished.
            }
            finally
            {
                await renewing.CancelAsync();
                await renewal;
                await FinishAsync(claimed.Id, done);
            }
        }
    }

    public async Task<IReadOnlyList<IngestionJob>?> RecoverAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        await _recovery.WaitAsync(cancellationToken);
        try
        {
            if (_recoveryLease is null && (_recoveryLease = await _locks.TryAcquireAsync(LeaseNames.IngestionRecovery, cancellationToken)) is null)
            {
                LogRecoverySkipped(LeaseNames.IngestionRecovery);
                return null;
            }

            var unfinished = await _documents.ListUnfinishedAsync(cancellationToken);
            var jobs = unfinished.Select(d => new IngestionJob(d.TenantId, d.Id)).ToList();
            await using var connection = await _database.OpenAsync(cancellationToken);
            // A document still in the queue (its reader died; its lease runs out) is left to the queue.
            var queued = await InsertAsync(connection, jobs, cancellationToken, onlyMissing: true);
            LogRecovered(jobs.Count, queued);
            Pulse();
            return jobs;
        }
        finally
        {
            _recovery.Release();
        }
    }

    private async Task<int> InsertAsync(NpgsqlConnection connection, IReadOnlyList<IngestionJob> jobs, CancellationToken cancellationToken, bool onlyMissing = false)
    {
        if (jobs.Count == 0)
        {
            return 0;
        }

        await using var command = connection.Command($"""
            WITH queued AS (
                INSERT INTO ingestion_queue (tenant_id, document_id, enqueued_at)
                SELECT t, d, @now FROM unnest(@tenants, @documents) WITH ORDINALITY AS j(t, d, n)
                {(onlyMissing ? "WHERE NOT EXISTS (SELECT 1 FROM ingestion_queue q WHERE q.tenant_id = j.t AND q.document_id = j.d)" : "")}
                ORDER BY n
                RETURNING 1)
            SELECT count(*), pg_notify(@channel, '') FROM queued
            """)
            .With("now", _time.GetUtcNow().UtcTicks).With("tenants", jobs.Select(j => j.TenantId).ToArray())
            .With("documents", jobs.Select(j => j.DocumentId).ToArray()).With("channel", Channel);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (int)reader.GetInt64(0) : 0;
    }

    private async Task<Claimed?> ClaimAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.Command("""
            UPDATE ingestion_queue SET claimed_by = @owner, lease_until = @until, claims = claims + 1
            WHERE id = (SELECT id FROM ingestion_queue WHERE lease_until IS NULL OR lease_until < @now ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id, tenant_id, document_id, claims
            """).With("owner", _owner).With("until", (now + _database.Options.IngestionLease).UtcTicks).With("now", now.UtcTicks);
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        if (!await row.ReadAsync(cancellationToken))
        {
            return null;
        }

        var claimed = new Claimed(row.GetInt64(0), new IngestionJob(row.GetString(1), row.GetString(2)));
        if (row.GetInt32(3) > 1)
        {
            LogReclaimed(claimed.Job.DocumentId, row.GetInt32(3));
        }

        return claimed;
    }

    /// <summary>Extends the job's lease every third of it until cancelled.</summary>
    private async Task RenewAsync(long id, CancellationToken cancellationToken)
    {
        var lease = _database.Options.IngestionLease;
        try
        {
            while (true)
            {
                await Task.Delay(lease / 3, _time, cancellationToken);
                await using var connection = await _database.OpenAsync(cancellationToken);
                await using var command = connection.Command("UPDATE ingestion_queue SET lease_until = @until WHERE id = @id AND claimed_by = @owner")
                    .With("until", (_time.GetUtcNow() + lease).UtcTicks).With("id", id).With("owner", _owner);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            LogRenewalFailed(id, ex.Message);
        }
    }

    /// <summary>Deletes a finished job, or hands an unfinished one back to the queue.</summary>
    private async Task FinishAsync(long id, bool done)
    {
        try
        {
            await using var connection = await _database.OpenAsync(CancellationToken.None);
            await using var command = connection.Command(done
                ? "DELETE FROM ingestion_queue WHERE id = @id AND claimed_by = @owner"
                : "UPDATE ingestion_queue SET claimed_by = NULL, lease_until = NULL WHERE id = @id AND claimed_by = @owner; SELECT pg_notify(@channel, '')")
                .With("id", id).With("owner", _owner).With("channel", Channel);
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // The lease runs out and another reader claims the job again (at least once).
            LogFinishFailed(id, ex.Message);
        }
    }

    private void EnsureListening()
    {
        lock (_signalGate)
        {
            _listening ??= Task.Run(ListenAsync);
        }
    }

    /// <summary>Wakes the idle readers of this process when another replica queues a job.</summary>
    private Task ListenAsync() => PostgresListener.ListenAsync(_database, Channel, _ => Pulse(), Pulse, _time, _logger, _disposed.Token);

    private Task CurrentSignal()
    {
        lock (_signalGate)
        {
            return _signal.Task;
        }
    }

    private void Pulse()
    {
        TaskCompletionSource fired;
        lock (_signalGate)
        {
            fired = _signal;
            _signal = NewSignal();
        }

        fired.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Ends every reader's sequence (their jobs go back to the queue) and gives up the recovery lease.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        await _disposed.CancelAsync();
        if (_listening is { } listening)
        {
            await listening;
        }

        if (_recoveryLease is { } lease)
        {
            await lease.DisposeAsync();
        }
    }

    private sealed record Claimed(long Id, IngestionJob Job);

    [LoggerMessage(Level = LogLevel.Information, Message = "Another process holds the {Lease} lease; it resumes unfinished documents")]
    private partial void LogRecoverySkipped(string lease);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovery found {Unfinished} unfinished documents and queued {Queued} of them again")]
    private partial void LogRecovered(int unfinished, int queued);

    [LoggerMessage(Level = LogLevel.Information, Message = "Claimed {DocumentId} again (claim {Claims}): its previous reader's lease ran out")]
    private partial void LogReclaimed(string documentId, int claims);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the lease of queue job {JobId} failed ({Reason}); another replica may take it")]
    private partial void LogRenewalFailed(long jobId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Finishing queue job {JobId} failed ({Reason}); its lease runs out and it is processed again")]
    private partial void LogFinishFailed(long jobId, string reason);

}
