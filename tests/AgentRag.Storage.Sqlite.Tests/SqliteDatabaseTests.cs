using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using AgentRag.TestKit;
using Microsoft.Data.Sqlite;

namespace AgentRag.Storage.Sqlite.Tests;

public sealed class SqliteDatabaseTests : IAsyncLifetime
{
    private static readonly TimeSpan GateTimeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _directory = new("sqlite-database");
    private SqliteDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = OpenDatabase();
        await _database.WriteAsync(c => c.ExecuteScript("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL UNIQUE);"));
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task WriteAsync_ReturnsResultAfterCommit_VisibleToReads()
    {
        var rowId = await _database.WriteAsync(c =>
        {
            c.Execute("INSERT INTO t (v) VALUES (10)");
            return c.LastInsertRowId;
        });

        rowId.ShouldBe(1);
        (await CountAsync()).ShouldBe(1);
    }

    [Fact]
    public async Task WriteAsync_ItemsQueuedWhileWriterBusy_CommitInOneGroup()
    {
        using var gate = await BlockWriterAsync();
        var commitsBefore = _database.WriterStatistics.Commits;

        var writes = Enumerable.Range(1, 500).Select(i => _database.WriteAsync(c => Insert(c, i))).ToList();
        gate.Release();
        await Task.WhenAll(writes);
        await gate.Blocker;

        var stats = _database.WriterStatistics;
        (stats.Commits - commitsBefore).ShouldBe(1, "the blocker and all 500 queued writes should share one commit");
        stats.LargestBatch.ShouldBe(501);
        (await CountAsync()).ShouldBe(500);
    }

    [Fact]
    public async Task WriteAsync_Group_RecordsGroupSizeMetric()
    {
        var sizes = new System.Collections.Concurrent.ConcurrentBag<int>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "AgentRag.Storage.Sqlite" && instrument.Name == "agentrag.sqlite.write.group_size")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, size, _, _) => sizes.Add(size));
        listener.Start();

        using (var gate = await BlockWriterAsync())
        {
            var writes = Enumerable.Range(1, 37).Select(i => _database.WriteAsync(c => Insert(c, i))).ToList();
            gate.Release();
            await Task.WhenAll(writes);
        }

        sizes.ShouldContain(38);
    }

    [Fact]
    public async Task WriteAsync_MoreItemsThanMaxBatchSize_SplitsIntoCappedGroups()
    {
        await _database.DisposeAsync();
        _database = OpenDatabase(maxBatchSize: 100);
        using var gate = await BlockWriterAsync();
        var commitsBefore = _database.WriterStatistics.Commits;

        var writes = Enumerable.Range(1, 999).Select(i => _database.WriteAsync(c => Insert(c, i))).ToList();
        gate.Release();
        await Task.WhenAll(writes);

        var stats = _database.WriterStatistics;
        (stats.Commits - commitsBefore).ShouldBe(10, "1000 items in groups of at most 100");
        stats.LargestBatch.ShouldBe(100);
    }

    [Fact]
    public async Task WriteAsync_FailingItemInGroup_FailsAloneAndLeavesNoPartialRows()
    {
        using var gate = await BlockWriterAsync();
        var commitsBefore = _database.WriterStatistics.Commits;

        var writes = new List<Task>();
        for (var i = 1; i <= 10; i++)
        {
            var value = i;
            writes.Add(value switch
            {
                // Writes a row, then throws: the row must be rolled back.
                5 => _database.WriteAsync(c =>
                {
                    Insert(c, 500);
                    throw new InvalidOperationException("item 5 failed");
                }),
                // Violates the UNIQUE constraint on v (value 1 is taken by item 1).
                7 => _database.WriteAsync(c => Insert(c, 1)),
                _ => _database.WriteAsync(c => Insert(c, value)),
            });
        }

        gate.Release();
        await Should.ThrowAsync<InvalidOperationException>(writes[4]);
        (await Should.ThrowAsync<SqliteException>(writes[6])).SqliteExtendedErrorCode.ShouldBe(SqliteResultCodes.ConstraintUnique);
        foreach (var write in writes.Where((_, index) => index is not (4 or 6)))
        {
            await write;
        }

        (_database.WriterStatistics.Commits - commitsBefore).ShouldBe(1);
        var values = await _database.ReadAsync(c => ReadValues(c));
        values.ShouldBe([1, 2, 3, 4, 6, 8, 9, 10]);
    }

    [Fact]
    public async Task WriteAsync_WorkUsingItsOwnTransaction_NestsAsSavepoint()
    {
        await _database.WriteAsync(c =>
        {
            using var transaction = c.BeginTransaction();
            transaction.IsNested.ShouldBeTrue();
            Insert(c, 1);
            Insert(c, 2);
            transaction.Commit();
        });

        (await CountAsync()).ShouldBe(2);
    }

    [Fact]
    public async Task EnqueueAsync_FailingFireAndForgetItem_IsCountedAndDoesNotFailNeighbours()
    {
        await _database.EnqueueAsync(c => Insert(c, 1));
        await _database.EnqueueAsync(c => Insert(c, 1));
        await _database.EnqueueAsync(c => Insert(c, 2));
        await _database.FlushAsync();

        _database.WriterStatistics.ItemsFailed.ShouldBe(1);
        (await _database.ReadAsync(c => ReadValues(c))).ShouldBe([1, 2]);
    }

    [Fact]
    public async Task EnqueueAsync_OneProducer_PreservesOrder()
    {
        for (var i = 0; i < 2000; i++)
        {
            await _database.EnqueueAsync(i, static (c, value) => Insert(c, value));
        }

        await _database.FlushAsync();

        var values = await _database.ReadAsync(c => ReadValues(c, orderBy: "id"));
        values.ShouldBe(Enumerable.Range(0, 2000).Select(i => (long)i).ToList());
    }

    [Fact]
    public async Task DisposeAsync_WithQueuedWrites_CommitsThemAll()
    {
        for (var i = 0; i < 5000; i++)
        {
            await _database.EnqueueAsync(i, static (c, value) => Insert(c, value));
        }

        await _database.DisposeAsync();

        await Should.ThrowAsync<ObjectDisposedException>(() => _database.WriteAsync(c => Insert(c, -1)));
        await Should.ThrowAsync<ObjectDisposedException>(() => _database.ReadAsync(c => 1));
        _database = OpenDatabase();
        (await CountAsync()).ShouldBe(5000);
    }

    [Fact]
    public async Task ReadAsync_WhileWriterHoldsOpenGroup_RunsAndSeesOnlyCommittedRows()
    {
        await _database.WriteAsync(c => Insert(c, 1));
        using var gate = await BlockWriterAsync(c => Insert(c, 2));

        // The writer is inside its transaction with row 2 written but not committed.
        (await CountAsync()).ShouldBe(1);

        gate.Release();
        await gate.Blocker;
        (await CountAsync()).ShouldBe(2);
    }

    [Fact]
    public async Task ReadAsync_ManyConcurrentReadsWithWrites_AllSucceed()
    {
        var writes = Task.Run(async () =>
        {
            for (var i = 0; i < 2000; i++)
            {
                await _database.EnqueueAsync(i, static (c, value) => Insert(c, value));
            }

            await _database.FlushAsync();
        });
        var reads = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            long last = 0;
            for (var i = 0; i < 100; i++)
            {
                var count = await CountAsync();
                count.ShouldBeGreaterThanOrEqualTo(last, "a later read never sees fewer committed rows");
                last = count;
            }
        })).ToList();

        await Task.WhenAll([writes, .. reads]);
        (await CountAsync()).ShouldBe(2000);
    }

    [Fact]
    public async Task ReadAsync_AttemptedWrite_FailsReadOnly()
    {
        var ex = await Should.ThrowAsync<SqliteException>(() => _database.ReadAsync(c => c.Execute("INSERT INTO t (v) VALUES (1)")));

        ex.SqliteErrorCode.ShouldBe(SqliteResultCodes.ReadOnly);
    }

    [Fact]
    public async Task WriteAsync_CancelledWhileQueued_NeverRuns()
    {
        using var gate = await BlockWriterAsync();
        using var cancellation = new CancellationTokenSource();
        var ran = false;

        var write = _database.WriteAsync(c => ran = true, cancellation.Token);
        await cancellation.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(write);
        gate.Release();
        await _database.FlushAsync();

        ran.ShouldBeFalse();
    }

    [Fact]
    public void Open_InvalidOptions_ThrowsNamingTheSetting()
    {
        var ex = Should.Throw<ValidationException>(() => SqliteDatabase.Open(new SqliteStorageOptions { DataDirectory = _directory.Path, MaxBatchSize = 0 }));

        ex.Message.ShouldContain(nameof(SqliteStorageOptions.MaxBatchSize));
        Should.Throw<ValidationException>(() => SqliteDatabase.Open(new SqliteStorageOptions()))
            .Message.ShouldContain(nameof(SqliteStorageOptions.DataDirectory));
    }

    private static void Insert(SqliteConnection connection, long value)
    {
        using var statement = connection.Prepare("INSERT INTO t (v) VALUES (@v)");
        statement.Bind("@v", value).Execute();
    }

    private static List<long> ReadValues(SqliteConnection connection, string orderBy = "v")
    {
        using var statement = connection.Prepare($"SELECT v FROM t ORDER BY {orderBy}");
        var values = new List<long>();
        while (statement.Step())
        {
            values.Add(statement.GetInt64(0));
        }

        return values;
    }

    private SqliteDatabase OpenDatabase(int maxBatchSize = 1024) => SqliteDatabase.Open(new SqliteStorageOptions
    {
        DataDirectory = _directory.Path,
        MaxBatchSize = maxBatchSize,

        // Long enough that a group is bounded by the queue and MaxBatchSize only, so group counts are exact.
        MaxBatchDuration = TimeSpan.FromSeconds(10),
    });

    private Task<long> CountAsync() => _database.ReadAsync(c =>
    {
        using var statement = c.Prepare("SELECT count(*) FROM t");
        statement.Step();
        return statement.GetInt64(0);
    });

    /// <summary>Queues a write that holds the writer (inside its group's transaction) until released.</summary>
    private async Task<WriterGate> BlockWriterAsync(Action<SqliteConnection>? before = null)
    {
        var gate = new WriterGate();
        gate.Blocker = _database.WriteAsync(c =>
        {
            before?.Invoke(c);
            gate.Entered.SetResult();
            gate.Wait();
        });
        await gate.Entered.Task;
        return gate;
    }

    private sealed class WriterGate : IDisposable
    {
        private readonly ManualResetEventSlim _released = new();

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Blocker { get; set; } = Task.CompletedTask;

        public void Release() => _released.Set();

        public void Wait()
        {
            if (!_released.Wait(GateTimeout))
            {
                throw new TimeoutException("The test never released the writer.");
            }
        }

        public void Dispose()
        {
            _released.Set();
            _released.Dispose();
        }
    }
}
