using System.ComponentModel.DataAnnotations;

namespace AgentRag.Storage.Sqlite.Benchmarks;

/// <summary>Sizes of the <see cref="StoreBenchmark"/> run.</summary>
public sealed record StoreBenchmarkOptions
{
    /// <summary>Small rows written fire-and-forget through the group-commit queue.</summary>
    [Range(1, 100_000_000)]
    public int GroupCommitRows { get; init; } = 200_000;

    /// <summary>Concurrent producers sharing <see cref="GroupCommitRows"/>.</summary>
    [Range(1, 1024)]
    public int Producers { get; init; } = 8;

    /// <summary>Payload size of each row.</summary>
    [Range(1, 1_000_000)]
    public int RowBytes { get; init; } = 100;

    /// <summary>Rows written one awaited transaction at a time.</summary>
    [Range(1, 10_000_000)]
    public int SingleTransactionRows { get; init; } = 2_000;

    /// <summary>Rows present before the run, which the point reads look up.</summary>
    [Range(1, 10_000_000)]
    public int PreloadRows { get; init; } = 10_000;

    /// <summary>Concurrent readers issuing point reads while the group-commit writes run.</summary>
    [Range(1, 256)]
    public int Readers { get; init; } = 2;

    /// <summary>The writer's group size cap (<see cref="SqliteStorageOptions.MaxBatchSize"/>), for tuning runs.</summary>
    [Range(1, 100_000)]
    public int MaxBatchSize { get; init; } = new SqliteStorageOptions().MaxBatchSize;

    /// <summary>
    /// Pause between one reader's point reads. Zero makes readers spin, which on a small machine measures read latency
    /// under CPU contention and steals the writer's core.
    /// </summary>
    public TimeSpan ReadPause { get; init; } = TimeSpan.FromMilliseconds(1);
}

/// <summary>What <see cref="StoreBenchmark"/> measured.</summary>
public sealed record StoreBenchmarkResult(
    int GroupCommitRows,
    TimeSpan GroupCommitElapsed,
    double GroupCommitRowsPerSecond,
    long GroupCommits,
    double AverageRowsPerCommit,
    int SingleTransactionRows,
    TimeSpan SingleTransactionElapsed,
    double SingleTransactionRowsPerSecond,
    long PointReads,
    double ReadP50Microseconds,
    double ReadP95Microseconds,
    double ReadP99Microseconds);

/// <summary>
/// Measures the embedded store (<c>agentrag bench store</c>): (a) small-row inserts per second through the writer
/// queue with group commit, from concurrent fire-and-forget producers, until flushed; (b) inserts per second when
/// each row is its own awaited transaction; (c) point-read latency percentiles while (a) runs. It writes a throwaway
/// database into an empty folder and never touches a real data folder.
/// </summary>
public sealed class StoreBenchmark(TimeProvider? timeProvider = null)
{
    private const string InsertSql = "INSERT INTO bench_events (stream, seq, payload) VALUES (@stream, @seq, @payload)";

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>
    /// Runs the benchmark in <paramref name="scratchDirectory"/>, which must be missing or empty (throws
    /// <see cref="ArgumentException"/> otherwise). Throws <see cref="ValidationException"/> for invalid options.
    /// </summary>
    public async Task<StoreBenchmarkResult> RunAsync(string scratchDirectory, StoreBenchmarkOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scratchDirectory);
        options ??= new StoreBenchmarkOptions();
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        if (Directory.Exists(scratchDirectory) && Directory.EnumerateFileSystemEntries(scratchDirectory).Any())
        {
            throw new ArgumentException($"The store benchmark writes a throwaway database and needs an empty folder; '{scratchDirectory}' is not empty.", nameof(scratchDirectory));
        }

        await using var database = SqliteDatabase.Open(new SqliteStorageOptions
        {
            DataDirectory = scratchDirectory,
            MaxBatchSize = options.MaxBatchSize,
        }, timeProvider: _time);
        var payload = new string('x', options.RowBytes);
        await database.WriteAsync(connection =>
        {
            connection.ExecuteScript("CREATE TABLE bench_events (id INTEGER PRIMARY KEY, stream INTEGER NOT NULL, seq INTEGER NOT NULL, payload TEXT NOT NULL);");
            using var insert = connection.Prepare(InsertSql);
            for (var i = 0; i < options.PreloadRows; i++)
            {
                insert.Bind("@stream", -1).Bind("@seq", i).Bind("@payload", payload).Execute();
            }
        }, cancellationToken);

        var (groupElapsed, commits, latencies) = await RunGroupCommitAsync(database, options, payload, cancellationToken);
        var singleElapsed = await RunSingleTransactionsAsync(database, options, payload, cancellationToken);

        // A benchmark that loses rows must not report a rate.
        var expectedRows = (long)options.PreloadRows + options.GroupCommitRows + options.SingleTransactionRows;
        var storedRows = await database.ReadAsync(connection =>
        {
            using var count = connection.Prepare("SELECT count(*) FROM bench_events");
            count.Step();
            return count.GetInt64(0);
        }, cancellationToken);
        if (storedRows != expectedRows)
        {
            throw new InvalidOperationException($"The store benchmark wrote {expectedRows} rows but {storedRows} were stored; writer statistics: {database.WriterStatistics}.");
        }

        latencies.Sort();
        return new StoreBenchmarkResult(
            options.GroupCommitRows,
            groupElapsed,
            options.GroupCommitRows / groupElapsed.TotalSeconds,
            commits,
            commits == 0 ? 0 : (double)options.GroupCommitRows / commits,
            options.SingleTransactionRows,
            singleElapsed,
            options.SingleTransactionRows / singleElapsed.TotalSeconds,
            latencies.Count,
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.95),
            Percentile(latencies, 0.99));
    }

    private async Task<(TimeSpan Elapsed, long Commits, List<double> ReadLatencies)> RunGroupCommitAsync(
        SqliteDatabase database, StoreBenchmarkOptions options, string payload, CancellationToken cancellationToken)
    {
        using var writesDone = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var readers = Enumerable.Range(0, options.Readers)
            .Select(reader => Task.Run(() => MeasurePointReadsAsync(database, options, reader, writesDone.Token), cancellationToken))
            .ToList();

        var commitsBefore = database.WriterStatistics.Commits;
        var started = _time.GetTimestamp();
        var producers = Enumerable.Range(0, options.Producers).Select(producer => Task.Run(async () =>
        {
            var rows = options.GroupCommitRows / options.Producers + (producer < options.GroupCommitRows % options.Producers ? 1 : 0);
            for (var seq = 0; seq < rows; seq++)
            {
                await database.EnqueueAsync((Stream: producer, Seq: seq, Payload: payload), static (connection, row) =>
                {
                    using var insert = connection.Prepare(InsertSql);
                    insert.Bind("@stream", row.Stream).Bind("@seq", row.Seq).Bind("@payload", row.Payload).Execute();
                }, cancellationToken);
            }
        }, cancellationToken));
        await Task.WhenAll(producers);
        await database.FlushAsync(cancellationToken);
        var elapsed = _time.GetElapsedTime(started);
        var commits = database.WriterStatistics.Commits - commitsBefore;

        await writesDone.CancelAsync();
        var latencies = (await Task.WhenAll(readers)).SelectMany(l => l).ToList();
        return (elapsed, commits, latencies);
    }

    private async Task<List<double>> MeasurePointReadsAsync(SqliteDatabase database, StoreBenchmarkOptions options, int seed, CancellationToken stop)
    {
        var random = new Random(seed);
        var latencies = new List<double>();
        while (!stop.IsCancellationRequested)
        {
            var id = random.Next(1, options.PreloadRows + 1);
            var started = _time.GetTimestamp();
            var found = await database.ReadAsync(connection =>
            {
                using var select = connection.Prepare("SELECT payload FROM bench_events WHERE id = @id");
                select.Bind("@id", id);
                return select.Step() && select.GetString(0).Length > 0;
            }, CancellationToken.None);
            latencies.Add(_time.GetElapsedTime(started).TotalMicroseconds);
            if (!found)
            {
                throw new InvalidOperationException($"Benchmark row {id} is missing: the store lost a committed row.");
            }

            if (options.ReadPause > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(options.ReadPause, _time, stop);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
            }
        }

        return latencies;
    }

    private async Task<TimeSpan> RunSingleTransactionsAsync(SqliteDatabase database, StoreBenchmarkOptions options, string payload, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        for (var seq = 0; seq < options.SingleTransactionRows; seq++)
        {
            var row = seq;
            await database.WriteAsync(connection =>
            {
                using var insert = connection.Prepare(InsertSql);
                return insert.Bind("@stream", -2).Bind("@seq", row).Bind("@payload", payload).Execute();
            }, cancellationToken);
        }

        return _time.GetElapsedTime(started);
    }

    private static double Percentile(List<double> sorted, double quantile) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Count) - 1, 0, sorted.Count - 1)];
}
