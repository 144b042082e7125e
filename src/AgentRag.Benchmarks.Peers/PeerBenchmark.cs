using AgentRag.Core.Benchmarks;
using AgentRag.Retrieval.Analysis;
using AgentRag.Retrieval.Benchmarks;
using AgentRag.Retrieval.Evaluation;
using AgentRag.Retrieval.Keyword;

namespace AgentRag.Benchmarks.Peers;

/// <summary>What <see cref="PeerBenchmark.RunAsync"/> measures.</summary>
public sealed record PeerBenchmarkOptions
{
    /// <summary>BEIR SciFact folder; null leaves SciFact out.</summary>
    public string? SciFactDirectory { get; init; }

    /// <summary>Synthetic corpus sizes (chunks) that ours and Lucene.NET index; empty leaves the synthetic corpus out.</summary>
    public IReadOnlyList<int> SyntheticChunks { get; init; } = [200_000, 1_000_000];

    /// <summary>The synthetic size the JavaScript engines also index (0: none).</summary>
    public int JavaScriptSyntheticChunks { get; init; } = 200_000;

    /// <summary>Timed queries per synthetic shape and engine, after <see cref="SearchBenchmark.WarmUpQueries"/> untimed ones.</summary>
    public int QueriesPerShape { get; init; } = 500;

    /// <summary>Run the JavaScript engines at all.</summary>
    public bool JavaScript { get; init; } = true;

    /// <summary>Time cap of one JavaScript engine on one data set, indexing and querying together.</summary>
    public TimeSpan JavaScriptTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Node's <c>--max-old-space-size</c> for each JavaScript engine.</summary>
    public int JavaScriptMaxOldSpaceMegabytes { get; init; } = 6144;

    /// <summary>Where the indexes and the JavaScript engines' input go; the run deletes what it writes there.</summary>
    public required string ScratchDirectory { get; init; }

    /// <summary>Where the JavaScript engines are installed (kept between runs; reinstalled when the lockfile changes).</summary>
    public required string JavaScriptInstallDirectory { get; init; }
}

/// <summary>One engine on SciFact; the figures are null when <see cref="Status"/> is not <c>ok</c>.</summary>
public sealed record PeerSciFactRow(
    string Engine, string Status, string? Detail, double? Ndcg10, double? Recall100, double? IndexSeconds, double? QueryMsP50, double? QueryMsP95, double? LoadAverage);

/// <summary>SciFact: every engine on the same documents and queries.</summary>
public sealed record PeerSciFactReport(int Documents, int Queries, IReadOnlyList<PeerSciFactRow> Engines, double? Ndcg10OursMinusLucene, bool? Ndcg10MatchesLuceneToThirdDecimal);

/// <summary>
/// One engine on a synthetic corpus. <see cref="IndexBytesOnDisk"/>: our snapshot, Lucene's index folder (none for the
/// JavaScript engines, which only hold memory). <see cref="MemoryBytes"/>: what the built index holds on the engine's
/// heap (ours: the index's own estimate of its arrays, <see cref="Bm25Index.EstimateMemoryBytes"/>; Lucene: its heap growth, beside its memory-mapped files; the
/// JavaScript engines: V8's heap growth after a collection).
/// </summary>
public sealed record PeerSyntheticRow(
    string Engine, string Status, string? Detail, double? IndexSeconds, double? IndexMegabytesPerSecond, long? IndexBytesOnDisk, long? MemoryBytes,
    IReadOnlyList<LatencySummary> Latencies, double? LoadAverage)
{
    /// <summary>Indexing rate per CPU second of the process (the .NET engines; null for the JavaScript ones).</summary>
    public double? IndexMegabytesPerCpuSecond { get; init; }
}

/// <summary>A synthetic corpus size: every engine on the same chunks and queries, with ours compared to Lucene.NET.</summary>
public sealed record PeerSyntheticReport(
    int Chunks, double Megabytes, IReadOnlyList<PeerSyntheticRow> Engines, double? OursIndexingTimesLucene, double? OursIndexingTimesLuceneByCpu,
    IReadOnlyList<PeerLatencyRatio> LuceneSlowerBy);

/// <summary>Lucene's latency over ours for one query shape (above 1: ours is faster).</summary>
public sealed record PeerLatencyRatio(string Shape, double? P50, double? P95);

/// <summary>The whole run, with the machine's load average when it started and ended.</summary>
public sealed record PeerBenchmarkReport(
    int ProcessorCount, double? LoadAverageAtStart, double? LoadAverageAtEnd, PeerSciFactReport? SciFact, IReadOnlyList<PeerSyntheticReport> Synthetic);

/// <summary>
/// <c>agentrag bench peers</c>: our BM25 engine beside Lucene.NET 4.8 (<see cref="LuceneBaseline"/>) and the JavaScript
/// engines (<see cref="JsPeerRunner"/>) on the same data in one run. SciFact: nDCG@10, Recall@100 and warm query
/// p50/p95 through one harness (<see cref="SearchBenchmark.RunBaselineBeirAsync"/>, ours behind <see cref="Bm25Baseline"/>);
/// the synthetic Zipf corpus: indexing MB/s, 1/2/5-term top-10 latency, index size and memory (ours through
/// <see cref="SearchBenchmark.RunSynthetic"/>, Lucene through <see cref="SearchBenchmark.RunBaselineSynthetic"/> on the
/// same queries, with the same 50 warm-up queries). Every .NET engine indexes on one thread. The JavaScript engines see
/// the same texts, queries, stopwords and BM25 parameters.
/// </summary>
public sealed class PeerBenchmark
{
    private static readonly Bm25Options Bm25 = new();

    /// <summary>
    /// Runs the benchmark. Throws what <see cref="BeirDataset.LoadAsync"/> throws for a bad SciFact folder; a JavaScript
    /// engine that cannot be installed, fails or times out is reported in its row, not thrown.
    /// </summary>
    public async Task<PeerBenchmarkReport> RunAsync(PeerBenchmarkOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.QueriesPerShape);
        var loadAtStart = MachineLoad.OneMinuteAverage();
        Directory.CreateDirectory(options.ScratchDirectory);
        var runner = new JsPeerRunner(options.JavaScriptInstallDirectory, options.JavaScriptTimeout, options.JavaScriptMaxOldSpaceMegabytes);
        string? jsUnavailable = null;
        if (options.JavaScript)
        {
            try
            {
                progress?.Report("javascript: installing the engines (npm ci, first use only)");
                await runner.EnsureInstalledAsync(cancellationToken);
            }
            catch (JsPeersUnavailableException ex)
            {
                jsUnavailable = ex.Message;
            }
        }

        var sciFact = options.SciFactDirectory is null
            ? null
            : await RunSciFactAsync(options, options.JavaScript ? runner : null, jsUnavailable, progress, cancellationToken);
        var synthetic = new List<PeerSyntheticReport>();
        foreach (var chunks in options.SyntheticChunks)
        {
            var withJs = options.JavaScript && chunks == options.JavaScriptSyntheticChunks;
            synthetic.Add(await RunSyntheticAsync(options, chunks, withJs ? runner : null, jsUnavailable, progress, cancellationToken));
        }

        return new PeerBenchmarkReport(Environment.ProcessorCount, loadAtStart, MachineLoad.OneMinuteAverage(), sciFact, synthetic);
    }

    private static async Task<PeerSciFactReport> RunSciFactAsync(
        PeerBenchmarkOptions options, JsPeerRunner? runner, string? jsUnavailable, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var directory = options.SciFactDirectory!;
        var dataset = await BeirDataset.LoadAsync(directory, "test", cancellationToken);
        var benchmark = new SearchBenchmark();
        var rows = new List<PeerSciFactRow>();
        progress?.Report("scifact: ours");
        var ours = await benchmark.RunBaselineBeirAsync(directory, _ => new Bm25Baseline(), options.ScratchDirectory, warm: true, cancellationToken);
        rows.Add(Row("ours", ours));
        progress?.Report("scifact: Lucene.NET");
        var lucene = await benchmark.RunBaselineBeirAsync(directory, path => new LuceneBaseline(path), options.ScratchDirectory, warm: true, cancellationToken);
        rows.Add(Row("lucene.net", lucene));
        if (runner is not null)
        {
            rows.AddRange(await RunJavaScriptSciFactAsync(options, dataset, runner, jsUnavailable, progress, cancellationToken));
        }

        var difference = Math.Round(ours.Ndcg10 - lucene.Ndcg10, 4);
        return new PeerSciFactReport(dataset.Corpus.Count, dataset.Queries.Count, rows, difference, Math.Round(ours.Ndcg10, 3) == Math.Round(lucene.Ndcg10, 3));

        static PeerSciFactRow Row(string engine, BaselineBeirResult result) =>
            new(engine, "ok", null, result.Ndcg10, result.Recall100, result.IndexSeconds, result.QueryMsP50, result.QueryMsP95, MachineLoad.OneMinuteAverage());
    }

    private static async Task<IEnumerable<PeerSciFactRow>> RunJavaScriptSciFactAsync(
        PeerBenchmarkOptions options, BeirDataset dataset, JsPeerRunner runner, string? jsUnavailable, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        if (jsUnavailable is not null)
        {
            return JsPeerRunner.Engines.Select(e => new PeerSciFactRow(e, "unavailable", jsUnavailable, null, null, null, null, null, null));
        }

        var input = Path.Combine(options.ScratchDirectory, $"js-scifact-{Guid.NewGuid():N}");
        try
        {
            // Every query twice: the first pass warms the engine up, the second is timed and scored.
            string[] texts = [.. dataset.Queries.Select(q => q.Text)];
            await JsPeerRunner.WriteInputAsync(
                input, dataset.Corpus.Select(d => (d.Id, d.FlatText)), EnglishStopWords.Words, Bm25.K1, Bm25.B,
                [new JsQuerySet("scifact", [.. texts, .. texts], texts.Length, 101, ReturnHits: true)], cancellationToken);
            var rows = new List<PeerSciFactRow>();
            foreach (var engine in JsPeerRunner.Engines)
            {
                progress?.Report($"scifact: {engine}");
                var outcome = await runner.RunAsync(engine, input, cancellationToken);
                if (!outcome.Succeeded)
                {
                    rows.Add(new PeerSciFactRow(engine, outcome.Status, outcome.Detail, null, null, null, null, null, MachineLoad.OneMinuteAverage()));
                    continue;
                }

                var set = outcome.Sets[0];
                var scores = dataset.Queries.Select((q, i) => SearchBenchmark.ScoreBeirQuery(dataset, q, set.Hits![i])).ToList();
                var latency = SearchBenchmark.Summarize("scifact", set.TimingsMs);
                rows.Add(new PeerSciFactRow(
                    $"{engine} {outcome.Version}", "ok", null, Math.Round(scores.Average(s => s.Ndcg10), 4), Math.Round(scores.Average(s => s.Recall100), 4),
                    Math.Round(outcome.IndexSeconds, 2), latency.P50Ms, latency.P95Ms, MachineLoad.OneMinuteAverage()));
            }

            return rows;
        }
        finally
        {
            Directory.Delete(input, recursive: true);
        }
    }

    private static async Task<PeerSyntheticReport> RunSyntheticAsync(
        PeerBenchmarkOptions options, int chunks, JsPeerRunner? runner, string? jsUnavailable, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var corpusOptions = new SyntheticCorpusOptions { ChunkCount = chunks };
        var benchmark = new SearchBenchmark();
        var rows = new List<PeerSyntheticRow>();
        var prefix = new Progress<string>(line => progress?.Report($"synthetic {chunks:N0}: {line}"));
        var ours = benchmark.RunSynthetic(corpusOptions, options.QueriesPerShape, prefix, cancellationToken);
        rows.Add(new PeerSyntheticRow(
            "ours", "ok", null, ours.IndexSeconds, ours.IndexMegabytesPerSecond, ours.SnapshotBytes, ours.IndexBytesEstimate, ours.Latencies, MachineLoad.OneMinuteAverage())
        {
            IndexMegabytesPerCpuSecond = ours.IndexMegabytesPerCpuSecond,
        });
        GC.Collect();
        var lucene = benchmark.RunBaselineSynthetic(
            corpusOptions, path => new LuceneBaseline(path), options.ScratchDirectory, options.QueriesPerShape, new Progress<string>(line => progress?.Report($"synthetic {chunks:N0}: lucene {line}")),
            cancellationToken, warmUpQueries: SearchBenchmark.WarmUpQueries);
        rows.Add(new PeerSyntheticRow(
            "lucene.net", "ok", null, lucene.IndexSeconds, lucene.IndexMegabytesPerSecond, lucene.DatabaseBytes, lucene.ManagedHeapBytes, lucene.Latencies, MachineLoad.OneMinuteAverage())
        {
            IndexMegabytesPerCpuSecond = lucene.IndexMegabytesPerCpuSecond,
        });
        GC.Collect();
        if (runner is not null)
        {
            rows.AddRange(await RunJavaScriptSyntheticAsync(options, corpusOptions, ours.MegabytesIndexed, runner, jsUnavailable, progress, cancellationToken));
        }

        var ratios = ours.Latencies.Zip(lucene.Latencies, (a, b) => new PeerLatencyRatio(a.Shape, Ratio(b.P50Ms, a.P50Ms), Ratio(b.P95Ms, a.P95Ms))).ToList();
        return new PeerSyntheticReport(
            chunks, ours.MegabytesIndexed, rows, Ratio(ours.IndexMegabytesPerSecond, lucene.IndexMegabytesPerSecond),
            Ratio(ours.IndexMegabytesPerCpuSecond, lucene.IndexMegabytesPerCpuSecond), ratios);
    }

    private static async Task<IEnumerable<PeerSyntheticRow>> RunJavaScriptSyntheticAsync(
        PeerBenchmarkOptions options, SyntheticCorpusOptions corpusOptions, double megabytes, JsPeerRunner runner, string? jsUnavailable, IProgress<string>? progress,
        CancellationToken cancellationToken)
    {
        if (jsUnavailable is not null)
        {
            return JsPeerRunner.Engines.Select(e => new PeerSyntheticRow(e, "unavailable", jsUnavailable, null, null, null, null, [], null));
        }

        var input = Path.Combine(options.ScratchDirectory, $"js-synthetic-{Guid.NewGuid():N}");
        try
        {
            var corpus = new SyntheticCorpus(corpusOptions);
            var sets = SearchBenchmark.SyntheticQueries(corpus, corpusOptions.Seed, SearchBenchmark.WarmUpQueries + options.QueriesPerShape)
                .Select(s => new JsQuerySet($"{s.Terms}-term OR", s.Queries, SearchBenchmark.WarmUpQueries, 10, ReturnHits: false))
                .ToList();
            progress?.Report($"synthetic {corpusOptions.ChunkCount:N0}: writing the JavaScript engines' input");
            await JsPeerRunner.WriteInputAsync(input, corpus.Chunks(), EnglishStopWords.Words, Bm25.K1, Bm25.B, sets, cancellationToken);
            var rows = new List<PeerSyntheticRow>();
            foreach (var engine in JsPeerRunner.Engines)
            {
                progress?.Report($"synthetic {corpusOptions.ChunkCount:N0}: {engine}");
                var outcome = await runner.RunAsync(engine, input, cancellationToken);
                rows.Add(outcome.Succeeded
                    ? new PeerSyntheticRow(
                        $"{engine} {outcome.Version}", "ok", null, Math.Round(outcome.IndexSeconds, 2), Math.Round(megabytes / outcome.IndexSeconds, 1), null, outcome.IndexHeapBytes,
                        [.. outcome.Sets.Select(s => SearchBenchmark.Summarize(s.Name, s.TimingsMs))], MachineLoad.OneMinuteAverage())
                    : new PeerSyntheticRow(engine, outcome.Status, outcome.Detail, null, null, null, null, [], MachineLoad.OneMinuteAverage()));
            }

            return rows;
        }
        finally
        {
            Directory.Delete(input, recursive: true);
        }
    }

    /// <summary>numerator / denominator to two decimals; null when the denominator is 0 (JSON has no infinity).</summary>
    private static double? Ratio(double numerator, double denominator) => denominator > 0 ? Math.Round(numerator / denominator, 2) : null;
}
