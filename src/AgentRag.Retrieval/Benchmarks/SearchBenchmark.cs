using System.Diagnostics;
using AgentRag.Core.Benchmarks;
using AgentRag.Retrieval.Evaluation;
using AgentRag.Retrieval.Keyword;
using AgentRag.Retrieval.Query;

namespace AgentRag.Retrieval.Benchmarks;

/// <summary>Latency of one query shape.</summary>
public sealed record LatencySummary(string Shape, int Queries, double P50Ms, double P95Ms, double MeanMs, double MaxMs);

/// <summary>
/// Results of <see cref="SearchBenchmark.RunSynthetic"/>. Indexing is timed twice: wall-clock seconds, and the CPU seconds the
/// process spent meanwhile (every thread, the GC's included), which a busy machine inflates far less than wall-clock time.
/// </summary>
public sealed record SyntheticSearchBenchmarkResult(
    int Chunks,
    long Tokens,
    double MegabytesIndexed,
    double IndexSeconds,
    double IndexMegabytesPerSecond,
    long IndexBytesEstimate,
    long ManagedHeapBytes,
    long PeakWorkingSetBytes,
    double SnapshotWriteSeconds,
    double SnapshotLoadSeconds,
    long SnapshotBytes,
    IReadOnlyList<LatencySummary> Latencies,
    double IndexCpuSeconds,
    double IndexMegabytesPerCpuSecond);

/// <summary>
/// Results of <see cref="SearchBenchmark.RunBaselineSynthetic"/>; <paramref name="DatabaseBytes"/> is the size of the
/// baseline's index on disk (its file, or the files of its folder), <paramref name="ManagedHeapBytes"/> what the built
/// engine holds on the managed heap (after a full collection, less what was there before it was opened).
/// </summary>
public sealed record BaselineSyntheticResult(
    int Chunks, double IndexSeconds, double IndexMegabytesPerSecond, long DatabaseBytes, long ManagedHeapBytes, IReadOnlyList<LatencySummary> Latencies,
    double IndexCpuSeconds, double IndexMegabytesPerCpuSecond);

/// <summary>Results of <see cref="SearchBenchmark.RunBaselineBeirAsync"/>.</summary>
public sealed record BaselineBeirResult(string Dataset, int Queries, double Ndcg10, double Recall100, double IndexSeconds, double QueryMsP50, double QueryMsP95);

/// <summary>
/// The keyword-search benchmark behind <c>agentrag bench search</c>: builds a BM25 index over a seeded Zipfian
/// <see cref="SyntheticCorpus"/> on one thread (10 chunks per document), then times top-10 OR queries of 1, 2 and
/// 5 terms where the first term is one of the 50 most frequent words and the others follow the Zipf distribution.
/// Also measures snapshot write and load (restart) time. Single-threaded by design: the figures are per core.
/// </summary>
public sealed class SearchBenchmark
{
    /// <summary>Chunks generated (untimed) before each timed indexing step, so no engine's figure includes making the text.</summary>
    private const int GenerationBatch = 10_000;

    /// <summary>Untimed queries per shape before the timed ones in <see cref="RunSynthetic"/>.</summary>
    public const int WarmUpQueries = 50;

    /// <summary>
    /// The benchmark's queries, per shape (1, 2 and 5 terms): the first term is one of the 50 most frequent words, the
    /// others follow the Zipf distribution. Seeded, so every engine is timed on the same queries.
    /// </summary>
    public static IReadOnlyList<(int Terms, string[] Queries)> SyntheticQueries(SyntheticCorpus corpus, int seed, int perShape)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var shapes = new List<(int, string[])>();
        foreach (var terms in new[] { 1, 2, 5 })
        {
            // One generator per shape, so a shorter run asks the same first queries of every shape.
            var random = new Random(seed + (terms * 7919));
            shapes.Add((terms, [.. Enumerable.Range(0, perShape).Select(_ =>
            {
                var words = new List<string> { corpus.Vocabulary[random.Next(50)] };
                while (words.Count < terms)
                {
                    words.Add(corpus.Vocabulary[corpus.SampleRank(random)]);
                }

                return string.Join(' ', words);
            })]));
        }

        return shapes;
    }

    /// <summary>
    /// A baseline engine (SQLite FTS5: porter tokenizer, <c>bm25()</c>) on the same synthetic corpus and the same queries
    /// as <see cref="RunSynthetic"/>, with its index file in <paramref name="scratchDirectory"/>, deleted afterwards;
    /// <paramref name="openBaseline"/> creates the engine at the path it is given. Times <paramref name="queriesPerShape"/>
    /// queries per shape (FTS5 scores every match, so this is slow at 1M chunks).
    /// </summary>
    /// <param name="warmUpQueries">Untimed queries per shape before the timed ones (at most 50): the last ones of our warm-up.</param>
    public BaselineSyntheticResult RunBaselineSynthetic(
        SyntheticCorpusOptions options, Func<string, IKeywordBaseline> openBaseline, string scratchDirectory, int queriesPerShape = 50,
        IProgress<string>? progress = null, CancellationToken cancellationToken = default, int warmUpQueries = 5)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(openBaseline);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(queriesPerShape);
        ArgumentOutOfRangeException.ThrowIfNegative(warmUpQueries);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(warmUpQueries, WarmUpQueries);
        var corpus = new SyntheticCorpus(options);
        var path = Path.Combine(scratchDirectory, $"baseline-bench-{Guid.NewGuid():N}.db");
        try
        {
            long bytes = 0;
            var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            var indexing = new IndexingClock();
            using var baseline = openBaseline(path);
            var inserted = 0;
            foreach (var batch in corpus.Chunks().Chunk(GenerationBatch))
            {
                cancellationToken.ThrowIfCancellationRequested();
                bytes += batch.Sum(chunk => (long)chunk.Text.Length);
                indexing.Time(() => baseline.Add(batch));
                inserted += batch.Length;
                if (inserted % 100_000 == 0)
                {
                    progress?.Report($"baseline: inserted {inserted:N0} chunks");
                }
            }

            indexing.Time(baseline.Optimize);
            var heap = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
            var latencies = new List<LatencySummary>();
            // The same queries as RunSynthetic (its first ones after the warm-up share the sequence's start).
            foreach (var (terms, queries) in SyntheticQueries(corpus, options.Seed, WarmUpQueries + queriesPerShape))
            {
                progress?.Report($"baseline: querying {terms}-term OR");
                latencies.Add(Time($"{terms}-term OR", [.. queries.Take(WarmUpQueries + queriesPerShape)], warmUpQueries, q => baseline.Search(q, 10), skip: WarmUpQueries - warmUpQueries));
            }

            return new BaselineSyntheticResult(
                baseline.Count, Math.Round(indexing.WallSeconds, 2), Math.Round(bytes / 1e6 / indexing.WallSeconds, 1), SizeOnDisk(path), heap, latencies,
                Math.Round(indexing.CpuSeconds, 2), Math.Round(bytes / 1e6 / indexing.CpuSeconds, 1));
        }
        finally
        {
            DeletePath(path);
        }
    }

    /// <summary>
    /// A baseline engine on a BEIR dataset, as a correctness sanity check of our BM25 (SQLite FTS5: <c>bm25()</c> with
    /// k1 = 1.2, b = 0.75 and the porter tokenizer): the same flat text (title + text) and free-text queries, scored with
    /// the same metrics and the same tie order as <see cref="BeirEvaluator"/>. <paramref name="openBaseline"/> creates the
    /// engine at a path in <paramref name="scratchDirectory"/>, deleted afterwards.
    /// </summary>
    /// <param name="warm">Run every query once, untimed, before the timed pass, so the figures are of a warmed-up engine.</param>
    public async Task<BaselineBeirResult> RunBaselineBeirAsync(
        string datasetDirectory, Func<string, IKeywordBaseline> openBaseline, string scratchDirectory, bool warm = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(openBaseline);
        var dataset = await BeirDataset.LoadAsync(datasetDirectory, "test", cancellationToken);
        var path = Path.Combine(scratchDirectory, $"baseline-beir-{Guid.NewGuid():N}.db");
        try
        {
            using var baseline = openBaseline(path);
            var indexing = Stopwatch.StartNew();
            baseline.Add(dataset.Corpus.Select(d => (d.Id, d.FlatText)));
            baseline.Optimize();
            indexing.Stop();
            if (warm)
            {
                foreach (var query in dataset.Queries)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    baseline.Search(query.Text, 101);
                }
            }

            var ndcg = new List<double>();
            var recall = new List<double>();
            var timings = new List<double>();
            foreach (var query in dataset.Queries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var started = Stopwatch.GetTimestamp();
                var hits = baseline.Search(query.Text, 101);
                timings.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                var ranking = hits.OrderByDescending(h => h.Score).ThenByDescending(h => h.Id, StringComparer.Ordinal).Select(h => h.Id);
                var (queryNdcg, queryRecall) = ScoreBeirQuery(dataset, query, ranking);
                ndcg.Add(queryNdcg);
                recall.Add(queryRecall);
            }

            var sorted = timings.Order().ToArray();
            return new BaselineBeirResult(
                dataset.Name, dataset.Queries.Count, Math.Round(ndcg.Average(), 4), Math.Round(recall.Average(), 4),
                Math.Round(indexing.Elapsed.TotalSeconds, 2), Percentile(sorted, 0.5), Percentile(sorted, 0.95));
        }
        finally
        {
            DeletePath(path);
        }
    }

    /// <summary>
    /// nDCG@10 and Recall@100 of one query's <paramref name="ranking"/> (best first), as BEIR scores it: a hit whose id is
    /// the query's own is dropped, then the first 100 count.
    /// </summary>
    public static (double Ndcg10, double Recall100) ScoreBeirQuery(BeirDataset dataset, BeirQuery query, IEnumerable<string> ranking)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(ranking);
        var top = ranking.Where(id => id != query.Id).Take(100).ToList();
        return (RetrievalMetrics.NdcgAtK(top, dataset.Qrels[query.Id], 10), RetrievalMetrics.RecallAtK(top, dataset.Qrels[query.Id], 100));
    }

    /// <summary>Summary of timed queries: p50, p95, mean and max, in milliseconds rounded as the other figures are.</summary>
    public static LatencySummary Summarize(string shape, IReadOnlyCollection<double> timingsMs)
    {
        ArgumentNullException.ThrowIfNull(timingsMs);
        if (timingsMs.Count == 0)
        {
            return new LatencySummary(shape, 0, 0, 0, 0, 0);
        }

        var sorted = timingsMs.Order().ToArray();
        return new LatencySummary(shape, sorted.Length, Percentile(sorted, 0.5), Percentile(sorted, 0.95), Math.Round(sorted.Average(), 3), Math.Round(sorted[^1], 3));
    }

    /// <summary>Bytes of a baseline's index: its file, or every file under its folder.</summary>
    private static long SizeOnDisk(string path) =>
        Directory.Exists(path)
            ? new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length)
            : new FileInfo(path).Length;

    private static void DeletePath(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else
        {
            File.Delete(path);
        }
    }

    /// <summary>Wall-clock and process CPU time summed over the steps it times.</summary>
    private sealed class IndexingClock
    {
        private readonly Stopwatch _wall = new();
        private TimeSpan _cpu;

        public double WallSeconds => _wall.Elapsed.TotalSeconds;

        public double CpuSeconds => _cpu.TotalSeconds;

        public void Time(Action step)
        {
            var cpu = Environment.CpuUsage.TotalTime;
            _wall.Start();
            step();
            _wall.Stop();
            _cpu += Environment.CpuUsage.TotalTime - cpu;
        }
    }

    private static LatencySummary Time<T>(string shape, IReadOnlyList<T> queries, int warmUp, Action<T> search, int skip = 0)
    {
        var timings = new double[queries.Count - warmUp - skip];
        for (var q = skip; q < queries.Count; q++)
        {
            var started = Stopwatch.GetTimestamp();
            search(queries[q]);
            if (q >= skip + warmUp)
            {
                timings[q - skip - warmUp] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }

        return Summarize(shape, timings);
    }

    public SyntheticSearchBenchmarkResult RunSynthetic(SyntheticCorpusOptions options, int queriesPerShape = 500, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(queriesPerShape);
        var corpus = new SyntheticCorpus(options);
        var index = new Bm25Index();
        long bytes = 0;
        var indexing = new IndexingClock(); // times indexing only, not the generation of the text
        var documentNumber = 0;
        foreach (var batch in corpus.Chunks().Chunk(GenerationBatch))
        {
            cancellationToken.ThrowIfCancellationRequested();
            bytes += batch.Sum(chunk => (long)chunk.Text.Length); // ASCII: one byte per character
            var documents = batch.Chunk(10).Select(chunks => ($"syndoc_{documentNumber++}", chunks)).ToList();
            indexing.Time(() =>
            {
                foreach (var (documentId, chunks) in documents)
                {
                    index.ReplaceDocument(documentId, chunks);
                }
            });
            if (documentNumber % 10_000 == 0)
            {
                progress?.Report($"indexed {documentNumber * 10:N0} chunks");
            }
        }

        var indexSeconds = indexing.WallSeconds;
        var stopwatch = new Stopwatch();
        var managed = GC.GetTotalMemory(forceFullCollection: true);

        var snapshotPath = Path.Combine(Path.GetTempPath(), $"agentrag-bench-{Guid.NewGuid():N}.snapshot");
        double writeSeconds, loadSeconds;
        long snapshotBytes;
        try
        {
            stopwatch.Restart();
            using (var stream = File.Create(snapshotPath))
            {
                index.WriteSnapshot(stream);
            }

            writeSeconds = stopwatch.Elapsed.TotalSeconds;
            snapshotBytes = new FileInfo(snapshotPath).Length;
            stopwatch.Restart();
            using (var stream = File.OpenRead(snapshotPath))
            {
                _ = Bm25Index.ReadSnapshot(stream);
            }

            loadSeconds = stopwatch.Elapsed.TotalSeconds;
        }
        finally
        {
            File.Delete(snapshotPath);
        }

        GC.Collect();
        var latencies = new List<LatencySummary>();
        foreach (var (terms, queries) in SyntheticQueries(corpus, options.Seed, queriesPerShape + WarmUpQueries))
        {
            progress?.Report($"querying {terms}-term OR");
            var parsed = queries.Select(KeywordQuery.FreeText).ToArray();
            latencies.Add(Time($"{terms}-term OR", parsed, WarmUpQueries, q => index.Search(q, 10)));
        }

        using var process = Process.GetCurrentProcess();
        return new SyntheticSearchBenchmarkResult(
            index.ChunkCount,
            index.TokenCount,
            Math.Round(bytes / 1e6, 1),
            Math.Round(indexSeconds, 2),
            Math.Round(bytes / 1e6 / indexSeconds, 1),
            index.EstimateMemoryBytes(),
            managed,
            process.PeakWorkingSet64,
            Math.Round(writeSeconds, 2),
            Math.Round(loadSeconds, 2),
            snapshotBytes,
            latencies,
            Math.Round(indexing.CpuSeconds, 2),
            Math.Round(bytes / 1e6 / indexing.CpuSeconds, 1));
    }

    /// <summary>SciFact (or any BEIR dataset) end to end: quality plus index time and query p50/p95.</summary>
    public Task<BeirEvaluationReport> RunBeirAsync(string datasetDirectory, Bm25Options? options = null, CancellationToken cancellationToken = default) =>
        new BeirEvaluator(options).EvaluateAsync(new BeirEvaluationRequest { DatasetDirectory = datasetDirectory }, cancellationToken);

    private static double Percentile(double[] sorted, double p) =>
        Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)], 3);
}
