using System.CommandLine;
using System.Diagnostics;
using AgentRag.Retrieval.Analysis;
using AgentRag.Retrieval.Benchmarks;
using AgentRag.Retrieval.Vectors;
using AgentRag.Storage.Sqlite.Benchmarks;

namespace AgentRag.Cli.Commands;

/// <summary>
/// <c>agentrag bench search</c>: retrieval latency and throughput (see docs/benchmarks.md): (a) SciFact query latency and
/// quality, with SQLite FTS5 on the same data as a sanity check; (b) the synthetic Zipf corpus: BM25 indexing MB/s, top-10
/// latency of 1/2/5-term OR queries and peak memory, against SQLite FTS5 on the same corpus and queries in the same run;
/// (c) vectors: exact scan latency, HNSW build rate, recall@10 and queries per second.
/// </summary>
internal static class BenchSearchCommand
{
    private static readonly string[] AllParts = ["scifact", "synthetic", "vectors"];

    internal static Command Create()
    {
        var parts = new Option<string[]>("--parts")
        {
            Description = "Which parts to run: scifact, synthetic, vectors (default: all).",
            DefaultValueFactory = _ => AllParts,
            AllowMultipleArgumentsPerToken = true,
        };
        parts.AcceptOnlyFromAmong(AllParts);
        var scifact = new Option<string?>("--scifact") { Description = "BEIR SciFact folder (default: ../shared/datasets/scifact)." };
        var chunks = new Option<int>("--chunks") { Description = "Synthetic corpus size in chunks.", DefaultValueFactory = _ => 1_000_000 };
        var queries = new Option<int>("--queries") { Description = "Timed BM25 queries per shape (after 50 warm-up queries).", DefaultValueFactory = _ => 500 };
        var fts5Queries = new Option<int>("--fts5-queries") { Description = "Timed FTS5 queries per shape (0 skips FTS5 on the synthetic corpus).", DefaultValueFactory = _ => 50 };
        var exactVectors = new Option<int>("--exact-vectors") { Description = "Vectors for the exact-scan timing.", DefaultValueFactory = _ => 100_000 };
        var hnswVectors = new Option<int>("--hnsw-vectors") { Description = "Vectors in the HNSW graph.", DefaultValueFactory = _ => 1_000_000 };
        var buildThreads = new Option<int>("--build-threads") { Description = "Threads of the HNSW build.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var efConstruction = new Option<int>("--ef-construction") { Description = "HNSW candidate list while building.", DefaultValueFactory = _ => new HnswOptions().EfConstruction };
        var m = new Option<int>("--m") { Description = "HNSW links per node (2·M on layer 0).", DefaultValueFactory = _ => new HnswOptions().M };
        var command = new Command("search", "BM25, FTS5 and vector search: latency, throughput, memory and recall.")
        {
            parts, scifact, chunks, queries, fts5Queries, exactVectors, hnswVectors, buildThreads, efConstruction, m,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            try
            {
                var selected = parseResult.GetValue(parts)!.ToHashSet(StringComparer.Ordinal);
                var json = parseResult.GetValue(CommonOptions.Json);
                var progress = new StandardErrorProgress("bench search");
                var benchmark = new SearchBenchmark();
                var scratch = Path.Combine(Path.GetTempPath(), $"agentrag-bench-search-{Guid.NewGuid():N}");
                Directory.CreateDirectory(scratch);
                var report = new Dictionary<string, object?> { ["processorCount"] = Environment.ProcessorCount };
                try
                {
                    if (selected.Contains("scifact"))
                    {
                        report["scifact"] = await RunSciFactAsync(benchmark, parseResult.GetValue(scifact), scratch, progress, cancellationToken);
                    }

                    if (selected.Contains("synthetic"))
                    {
                        report["synthetic"] = RunSynthetic(
                            benchmark, parseResult.GetValue(chunks), parseResult.GetValue(queries), parseResult.GetValue(fts5Queries), scratch, progress, cancellationToken);
                    }

                    if (selected.Contains("vectors"))
                    {
                        var hnsw = new HnswOptions { M = parseResult.GetValue(m), EfConstruction = parseResult.GetValue(efConstruction) };
                        try
                        {
                            hnsw.Validate();
                        }
                        catch (ArgumentOutOfRangeException ex)
                        {
                            throw new CliException(ex.Message.Split(" (Parameter", 2)[0], ExitCodes.Usage);
                        }

                        progress.Report("vectors: generating");
                        report["vectors"] = new VectorBenchmark().Run(new VectorBenchmarkOptions
                        {
                            ExactCount = Positive(parseResult.GetValue(exactVectors), "--exact-vectors"),
                            HnswCount = Positive(parseResult.GetValue(hnswVectors), "--hnsw-vectors"),
                            BuildThreads = Positive(parseResult.GetValue(buildThreads), "--build-threads"),
                            Hnsw = hnsw,
                        }, progress, cancellationToken);
                    }
                }
                finally
                {
                    Directory.Delete(scratch, recursive: true);
                }

                using var process = Process.GetCurrentProcess();
                report["peakWorkingSetMb"] = Math.Round(process.PeakWorkingSet64 / (1024.0 * 1024), 1);
                JsonOutput.WriteReport(report, json);

                return ExitCodes.Success;
            }
            catch (CliException ex)
            {
                await Console.Error.WriteLineAsync($"agentrag: {ex.Message}");
                return ex.ExitCode;
            }
        });
        return command;
    }

    /// <summary>The SQLite FTS5 baseline at <paramref name="path"/>, leaving out the stopwords our analyzer leaves out.</summary>
    private static Fts5Baseline OpenFts5(string path) => new(path, EnglishStopWords.Words);

    private static async Task<object> RunSciFactAsync(
        SearchBenchmark benchmark, string? directory, string scratch, IProgress<string> progress, CancellationToken cancellationToken)
    {
        directory ??= Path.Combine("..", "shared", "datasets", "scifact");
        if (!Directory.Exists(directory))
        {
            throw new CliException($"SciFact folder '{Path.GetFullPath(directory)}' does not exist; give it with --scifact DIR or leave scifact out of --parts.", ExitCodes.Usage);
        }

        progress.Report("scifact: BM25");
        var ours = await benchmark.RunBeirAsync(directory, cancellationToken: cancellationToken);
        progress.Report("scifact: SQLite FTS5");
        var fts5 = await benchmark.RunBaselineBeirAsync(directory, OpenFts5, scratch, cancellationToken: cancellationToken);
        return new
        {
            bm25 = new
            {
                ours.Queries,
                ndcg10 = ours.Ndcg10,
                recall100 = ours.Recall100,
                indexSeconds = ours.IndexSeconds,
                queryMsP50 = ours.QueryMsP50,
                queryMsP95 = ours.QueryMsP95,
            },
            fts5,
        };
    }

    private static object RunSynthetic(
        SearchBenchmark benchmark, int chunks, int queries, int fts5Queries, string scratch, IProgress<string> progress, CancellationToken cancellationToken)
    {
        var options = new SyntheticCorpusOptions { ChunkCount = Positive(chunks, "--chunks") };
        var ours = benchmark.RunSynthetic(options, Positive(queries, "--queries"), progress, cancellationToken);
        if (fts5Queries <= 0)
        {
            return new { bm25 = ours };
        }

        var fts5 = benchmark.RunBaselineSynthetic(options, OpenFts5, scratch, fts5Queries, progress, cancellationToken);
        var ratios = ours.Latencies.Zip(fts5.Latencies, (a, b) => new
        {
            a.Shape,
            p50 = a.P50Ms > 0 ? Math.Round(b.P50Ms / a.P50Ms, 1) : double.PositiveInfinity,
            p95 = a.P95Ms > 0 ? Math.Round(b.P95Ms / a.P95Ms, 1) : double.PositiveInfinity,
        });
        return new { bm25 = ours, fts5, fts5SlowerBy = ratios };
    }

    /// <summary>The option's value when it is positive; otherwise a usage error naming the option.</summary>
    internal static int Positive(int value, string option) =>
        value > 0 ? value : throw new CliException($"{option} must be a positive number; it was {value}.", ExitCodes.Usage);
}
