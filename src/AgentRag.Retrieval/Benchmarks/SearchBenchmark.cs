using System.Diagnostics;
using AgentRag.Retrieval.Evaluation;
using AgentRag.Retrieval.Keyword;
using AgentRag.Retrieval.Query;

namespace AgentRag.Retrieval.Benchmarks;

/// <summary>Latency of one query shape.</summary>
public sealed record LatencySummary(string Shape, int Queries, double P50Ms, double P95Ms, double MeanMs, double MaxMs);

/// <summary>Results of <see cref="SearchBenchmark.RunSynthetic"/>.</summary>
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
    IReadOnlyList<LatencySummary> Latencies);

/// <summary>
/// The keyword-search benchmark behind <c>agentrag bench search</c>: builds a BM25 index over a seeded Zipfian
/// <see cref="SyntheticCorpus"/> on one thread (10 chunks per document), then times top-10 OR queries of 1, 2 and
/// 5 terms where the first term is one of the 50 most frequent words and the others follow the Zipf distribution.
/// Also measures snapshot write and load (restart) time. Single-threaded by design: the figures are per core.
/// </summary>
public sealed class SearchBenchmark
{
    public SyntheticSearchBenchmarkResult RunSynthetic(SyntheticCorpusOptions options, int queriesPerShape = 500, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(queriesPerShape);
        var corpus = new SyntheticCorpus(options);
        var index = new Bm25Index();
        long bytes = 0;
        var indexing = new Stopwatch(); // times indexing only, not the generation of the text
        var batch = new List<(string, string)>(10);
        var documentNumber = 0;
        foreach (var chunk in corpus.Chunks())
        {
            bytes += chunk.Text.Length; // ASCII: one byte per character
            batch.Add(chunk);
            if (batch.Count == 10)
            {
                indexing.Start();
                index.ReplaceDocument($"syndoc_{documentNumber++}", batch);
                indexing.Stop();
                batch.Clear();
                if (documentNumber % 10_000 == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    progress?.Report($"indexed {documentNumber * 10:N0} chunks");
                }
            }
        }

        if (batch.Count > 0)
        {
            indexing.Start();
            index.ReplaceDocument($"syndoc_{documentNumber}", batch);
            indexing.Stop();
        }

        var indexSeconds = indexing.Elapsed.TotalSeconds;
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
        var random = new Random(options.Seed + 1);
        var latencies = new List<LatencySummary>();
        foreach (var terms in new[] { 1, 2, 5 })
        {
            progress?.Report($"querying {terms}-term OR");
            var queries = Enumerable.Range(0, queriesPerShape + 50).Select(_ =>
            {
                var words = new List<string> { corpus.Vocabulary[random.Next(50)] };
                while (words.Count < terms)
                {
                    words.Add(corpus.Vocabulary[corpus.SampleRank(random)]);
                }

                return KeywordQuery.FreeText(string.Join(' ', words));
            }).ToArray();

            var timings = new double[queriesPerShape];
            for (var q = 0; q < queries.Length; q++)
            {
                var started = Stopwatch.GetTimestamp();
                _ = index.Search(queries[q], 10);
                if (q >= 50)
                {
                    timings[q - 50] = Stopwatch.GetElapsedTime(started).TotalMilliseconds; // the first 50 warm up
                }
            }

            Array.Sort(timings);
            latencies.Add(new LatencySummary($"{terms}-term OR", queriesPerShape, Percentile(timings, 0.5), Percentile(timings, 0.95), Math.Round(timings.Average(), 3), Math.Round(timings[^1], 3)));
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
            latencies);
    }

    /// <summary>SciFact (or any BEIR dataset) end to end: quality plus index time and query p50/p95.</summary>
    public Task<BeirEvaluationReport> RunBeirAsync(string datasetDirectory, Bm25Options? options = null, CancellationToken cancellationToken = default) =>
        new BeirEvaluator(options).EvaluateAsync(new BeirEvaluationRequest { DatasetDirectory = datasetDirectory }, cancellationToken);

    private static double Percentile(double[] sorted, double p) =>
        Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)], 3);
}
