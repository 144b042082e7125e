using System.Collections.Concurrent;
using System.Threading.Channels;
using AgentRag.Storage.Sqlite.Data;
using AgentRag.Storage.Sqlite.Schema;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;

namespace AgentRag.Storage.Sqlite;

/// <summary>
/// The embedded database of one data folder (<c>&lt;data&gt;/agentrag.db</c>), and the only way to reach it.
/// <para>
/// <b>Writes</b> go through one queue drained by one writer connection. The writer runs as many queued items as it
/// can (up to <see cref="SqliteStorageOptions.MaxBatchSize"/> items or <see cref="SqliteStorageOptions.MaxBatchDuration"/>)
/// inside one transaction, each item in its own savepoint, then commits once and only then completes the items.
/// An item that throws has its own changes rolled back and its task faulted; the rest of its group still commits.
/// Items from one producer run in the order they were queued. Work delegates run on the writer's thread: keep them
/// short, synchronous, free of blocking waits, and never COMMIT or ROLLBACK themselves
/// (<see cref="SqliteConnection.BeginTransaction"/> inside a work item nests as a savepoint).
/// </para>
/// <para>
/// <b>Reads</b> run on a pool of read-only connections, concurrently with the writer (WAL), each inside one read
/// transaction so a multi-statement read sees one snapshot. A read sees every write whose task has completed.
/// </para>
/// All members are thread-safe. Disposing stops accepting work, commits everything already queued, waits for
/// running reads, and closes the connections.
/// </summary>
public sealed class SqliteDatabase : IAsyncDisposable, IDisposable
{
    private readonly SqliteStorageOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly SqliteConnection _writer;
    private readonly Channel<WriteItem> _queue;
    private readonly Task _writerLoop;
    private readonly IDisposable _queueDepthGauge;
    private readonly SemaphoreSlim _readSlots;
    private readonly ConcurrentBag<SqliteConnection> _idleReaders = [];
    private readonly SqliteConnectionOptions _readerOptions;
    private long _commits;
    private long _itemsCommitted;
    private long _itemsFailed;
    private int _largestBatch;
    private int _disposed;

    private SqliteDatabase(SqliteStorageOptions options, SqliteConnection writer, ILogger logger, TimeProvider timeProvider)
    {
        _options = options;
        _writer = writer;
        _logger = logger;
        _timeProvider = timeProvider;
        FilePath = writer.FilePath;
        SchemaVersion = SqliteMigrator.ReadVersion(writer);
        _readerOptions = new SqliteConnectionOptions { Mode = SqliteOpenMode.ReadOnly, BusyTimeout = options.BusyTimeout };
        _readSlots = new SemaphoreSlim(options.ReadConnections, options.ReadConnections);
        _queue = Channel.CreateBounded<WriteItem>(new BoundedChannelOptions(options.WriteQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _writerLoop = Task.Run(RunWriterAsync);
        _queueDepthGauge = SqliteStorageMetrics.QueueDepth.Track(() => _queue.Reader.Count);
    }

    /// <summary>The database file.</summary>
    public string FilePath { get; }

    /// <summary>The schema version after migration.</summary>
    public int SchemaVersion { get; }

    /// <summary>The writer's counters so far.</summary>
    public SqliteWriterStatistics WriterStatistics => new(
        Interlocked.Read(ref _commits),
        Interlocked.Read(ref _itemsCommitted),
        Interlocked.Read(ref _itemsFailed),
        Volatile.Read(ref _largestBatch));

    /// <summary>
    /// Opens (creating when needed) the data folder's database and applies pending migrations.
    /// Throws <see cref="System.ComponentModel.DataAnnotations.ValidationException"/> for invalid options,
    /// <see cref="SqliteSchemaException"/> when the database is newer than this code or a migration fails, and
    /// <see cref="SqliteException"/> (naming the file) when it cannot be opened.
    /// </summary>
    public static SqliteDatabase Open(SqliteStorageOptions options, ILogger<SqliteDatabase>? logger = null, TimeProvider? timeProvider = null) =>
        Open(options, StoreSchema.Migrations, logger, timeProvider);

    internal static SqliteDatabase Open(SqliteStorageOptions options, IReadOnlyList<SqliteMigration> migrations, ILogger? logger, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Directory.CreateDirectory(options.DataDirectory);
        var writer = SqliteConnection.Open(options.DatabasePath, new SqliteConnectionOptions
        {
            Mode = SqliteOpenMode.ReadWriteCreate,
            BusyTimeout = options.BusyTimeout,

            // The group-commit hot loop: a Microsoft.Data.Sqlite command per execution cost about a quarter of the rate (ADR 0025).
            RawStatements = true,
        });
        try
        {
            SqliteMigrator.Migrate(writer, migrations);
            return new SqliteDatabase(options, writer, logger ?? NullLogger.Instance, timeProvider ?? TimeProvider.System);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Checkpoints the write-ahead log into the database file and truncates the log, on a connection of its own (the
    /// writer is always inside a group's transaction). Gives up after a second when a reader still uses old frames, and
    /// returns false then; the next checkpoint finishes the job. This is what makes space freed by a vacuum leave the files.
    /// </summary>
    public Task<bool> CheckpointAsync(CancellationToken cancellationToken = default) => Task.Run(() =>
    {
        using var connection = SqliteConnection.Open(FilePath, new SqliteConnectionOptions { Mode = SqliteOpenMode.ReadWrite, BusyTimeout = TimeSpan.FromSeconds(1) });
        using var checkpoint = connection.Prepare("PRAGMA wal_checkpoint(TRUNCATE)");
        return checkpoint.Step() && checkpoint.GetInt64(0) == 0;
    }, cancellationToken);

    /// <summary>The bytes a database takes on disk: its file and its write-ahead log.</summary>
    public static long FileBytes(string databasePath)
    {
        ArgumentNullException.ThrowIfNull(databasePath);
        var file = new FileInfo(databasePath);
        var wal = new FileInfo(databasePath + "-wal");
        return (file.Exists ? file.Length : 0) + (wal.Exists ? wal.Length : 0);
    }

    /// <summary>
    /// Queues <paramref name="work"/> and completes with its result once the group it ran in has committed.
    /// Faults with the work's own exception (its changes rolled back) or with the commit's failure. Cancelling
    /// withdraws the item only while it is still queued. Throws <see cref="ObjectDisposedException"/> after disposal.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        cancellationToken.ThrowIfCancellationRequested();
        var item = new AwaitedWriteItem<T>(work, cancellationToken);
        await QueueAsync(item, cancellationToken).ConfigureAwait(false);
        return await item.Task.ConfigureAwait(false);
    }

    /// <inheritdoc cref="WriteAsync{T}(Func{SqliteConnection, T}, CancellationToken)"/>
    public Task WriteAsync(Action<SqliteConnection> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return WriteAsync(connection =>
        {
            work(connection);
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Queues fire-and-forget work and completes as soon as the queue has accepted it (waiting only when the
    /// queue is full). A failure is logged and counted in <see cref="WriterStatistics"/>, never thrown to the
    /// producer. Use <see cref="FlushAsync"/> to wait until everything queued so far has committed.
    /// </summary>
    public ValueTask EnqueueAsync<TState>(TState state, Action<SqliteConnection, TState> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return QueueAsync(new QueuedWriteItem<TState>(state, work), cancellationToken);
    }

    /// <inheritdoc cref="EnqueueAsync{TState}(TState, Action{SqliteConnection, TState}, CancellationToken)"/>
    public ValueTask EnqueueAsync(Action<SqliteConnection> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return EnqueueAsync(work, static (connection, action) => action(connection), cancellationToken);
    }

    /// <summary>Completes when every write queued before this call has committed (or failed).</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) =>
        WriteAsync(static _ => true, cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> on a pooled read-only connection inside one read transaction and returns its
    /// result. The work runs synchronously on the calling thread; materialize results before returning. Writing
    /// fails with SQLITE_READONLY. Waits for a free connection when all are busy.
    /// </summary>
    public async Task<T> ReadAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _readSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (!_idleReaders.TryTake(out var connection))
            {
                connection = SqliteConnection.Open(FilePath, _readerOptions);
            }

            try
            {
                using var transaction = connection.BeginTransaction();
                var result = work(connection);
                transaction.Commit();
                return result;
            }
            finally
            {
                _idleReaders.Add(connection);
            }
        }
        finally
        {
            _readSlots.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _writerLoop.ConfigureAwait(false);
        _queueDepthGauge.Dispose();

        // Holding every read slot means no read is running.
        for (var i = 0; i < _options.ReadConnections; i++)
        {
            await _readSlots.WaitAsync().ConfigureAwait(false);
        }

        while (_idleReaders.TryTake(out var reader))
        {
            reader.Dispose();
        }

        _writer.Dispose();
        _readSlots.Release(_options.ReadConnections);
    }

    /// <summary>Prefer <see cref="DisposeAsync"/>; this blocks until the queue has drained.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private ValueTask QueueAsync(WriteItem item, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _queue.Writer.TryWrite(item) ? ValueTask.CompletedTask : QueueSlowAsync(item, cancellationToken);
    }

    private async ValueTask QueueSlowAsync(WriteItem item, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            throw new ObjectDisposedException($"The SQLite database '{FilePath}' has been disposed.", ex);
        }
    }

    private async Task RunWriterAsync()
    {
        var reader = _queue.Reader;
        var group = new List<(WriteItem Item, Exception? Error)>(Math.Min(_options.MaxBatchSize, 4096));
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            try
            {
                WriteGroup(reader, group);
            }
            catch (Exception ex)
            {
                // WriteGroup reports failures to its items; reaching here is a bug, and the loop must survive it
                // or every later write would wait forever.
                _logger.LogCritical(ex, "The SQLite writer for {Database} failed unexpectedly; continuing.", FilePath);
            }
        }
    }

    private void WriteGroup(ChannelReader<WriteItem> reader, List<(WriteItem Item, Exception? Error)> group)
    {
        group.Clear();
        SqliteTransaction transaction;
        try
        {
            transaction = _writer.BeginTransaction(SqliteTransactionBehavior.Immediate);
        }
        catch (Exception ex)
        {
            // Typically SQLITE_BUSY: another process held the file's write lock past the busy timeout.
            while (group.Count < _options.MaxBatchSize && reader.TryRead(out var item))
            {
                if (item.TryStart())
                {
                    group.Add((item, ex));
                }
            }

            Complete(group, groupError: null);
            return;
        }

        var started = _timeProvider.GetTimestamp();
        Exception? groupError = null;
        while (group.Count < _options.MaxBatchSize && reader.TryRead(out var item))
        {
            if (!item.TryStart())
            {
                continue;
            }

            group.Add((item, RunInSavepoint(item)));
            if (!_writer.IsInTransaction)
            {
                groupError = new InvalidOperationException(
                    $"The write group's transaction on '{FilePath}' ended early (SQLite rolled it back, or a work item committed it); its writes are not guaranteed.",
                    group[^1].Error);
                break;
            }

            if (_timeProvider.GetElapsedTime(started) >= _options.MaxBatchDuration)
            {
                break;
            }
        }

        try
        {
            if (groupError is null)
            {
                transaction.Commit();
                Interlocked.Increment(ref _commits);
                SqliteStorageMetrics.RecordCommit();
            }
            else
            {
                transaction.Dispose();
            }
        }
        catch (Exception ex)
        {
            groupError = ex;
            RollBackQuietly(transaction);
        }

        Complete(group, groupError);
    }

    private Exception? RunInSavepoint(WriteItem item)
    {
        SqliteTransaction savepoint;
        try
        {
            savepoint = _writer.BeginTransaction();
        }
        catch (Exception ex)
        {
            return ex;
        }

        try
        {
            item.Run(_writer);
            savepoint.Commit();
            return null;
        }
        catch (Exception ex)
        {
            RollBackQuietly(savepoint);
            return ex;
        }
    }

    private void RollBackQuietly(SqliteTransaction transaction)
    {
        try
        {
            transaction.Dispose();
        }
        catch (Exception ex)
        {
            // The rollback's own failure must not hide the error that caused it; the group check catches the fallout.
            _logger.LogWarning(ex, "Rolling back on {Database} failed.", FilePath);
        }
    }

    private void Complete(List<(WriteItem Item, Exception? Error)> group, Exception? groupError)
    {
        // Counted first: a writer that sees its item complete also sees its group in the metrics and statistics.
        var committed = group.Count(g => (g.Error ?? groupError) is null);
        SqliteStorageMetrics.RecordGroup(committed, group.Count - committed);
        Interlocked.Add(ref _itemsCommitted, committed);
        Interlocked.Add(ref _itemsFailed, group.Count - committed);
        if (group.Count > _largestBatch)
        {
            Volatile.Write(ref _largestBatch, group.Count);
        }

        foreach (var (item, error) in group)
        {
            var failure = error ?? groupError;
            if (failure is null)
            {
                item.Succeed();
            }
            else if (!item.Fail(failure))
            {
                _logger.LogError(failure, "A queued write to {Database} failed and was rolled back.", FilePath);
            }
        }
    }
}
