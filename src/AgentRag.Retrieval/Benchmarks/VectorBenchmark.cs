using System.Diagnostics;
using AgentRag.Retrieval.Vectors;

namespace AgentRag.Retrieval.Benchmarks;

/// <summary>What <see cref="VectorBenchmark.Run"/> measures.</summary>
public sealed record VectorBenchmarkOptions
{
    public int Dimensions { get; init; } = 384;

    public int ExactCount { get; init; } = 100_000;

    public int HnswCount { get; init; } = 1_000_000;

    public int Queries { get; init; } = 200;

    public int Clusters { get; init; } = 1000;

    public float Spread { get; init; } = 0.5f;

    public int Seed { get; init; } = 42;

    public HnswOptions Hnsw { get; init; } = new();

    /// <summary>Threads of the graph build (the product builds on every core).</summary>
    public int BuildThreads { get; init; } = Environment.ProcessorCount;

    /// <summary>Also build a graph of this many vectors on one thread, for a per-core insert rate (0 skips it).</summary>
    public int SingleThreadBuildCount { get; init; } = 50_000;

    /// <summary>Search widths to measure recall and speed at.</summary>
    public IReadOnlyList<int> EfSearch { get; init; } = [50, 100, 200];
}

/// <summary>Recall and speed of HNSW search at one search width, on one thread.</summary>
public sealed record HnswSearchPoint(int EfSearch, double RecallAt10, double P50Ms, double P95Ms, double QueriesPerSecond);

/// <summary>Results of <see cref="VectorBenchmark.Run"/>.</summary>
public sealed record VectorBenchmarkResult(
    int Dimensions,
    int ExactCount,
    double ExactP50Ms,
    double ExactP95Ms,
    int HnswCount,
    int BuildThreads,
    double HnswBuildSeconds,
    double HnswInsertsPerSecond,
    int SingleThreadBuildCount,
    double SingleThreadInsertsPerSecond,
    IReadOnlyList<HnswSearchPoint> HnswSearch,
    long GraphBytesEstimate,
    long ManagedHeapBytes,
    long PeakWorkingSetBytes);

/// <summary>
/// The vector part of <c>agentrag bench search</c>, over seeded clustered vectors (<see cref="SyntheticVectors"/>):
/// exact-scan latency at <see cref="VectorBenchmarkOptions.ExactCount"/> on one thread; the HNSW graph built from the
/// stored vectors the way <see cref="TieredVectorIndex"/> builds it (in parallel), its insert rate, also on one thread
/// for a sample; and recall@10 against exact search, latency and queries per second on one thread at
/// <see cref="VectorBenchmarkOptions.HnswCount"/> for each search width.
/// </summary>
public sealed class VectorBenchmark
{
    public VectorBenchmarkResult Run(VectorBenchmarkOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.HnswCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ExactCount);
        var generator = new SyntheticVectors(options.Dimensions, options.Clusters, options.Spread, options.Seed);
        var queries = generator.Next(options.Queries);

        var total = Math.Max(options.ExactCount, options.HnswCount);
        var exact = new ExactVectorIndex(options.Dimensions, total);
        double exactP50 = 0, exactP95 = 0, buildSeconds = 0;
        HashSet<string>[] truth = [];
        HnswVectorIndex? graph = null;
        for (var added = 0; added < total;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var vector in generator.Next(Math.Min(10_000, total - added)))
            {
                exact.Upsert($"v{added}", vector);
                added++;
                if (added == options.ExactCount)
                {
                    (exactP50, exactP95, _) = Time(queries, q => exact.Search(q, 10));
                }

                if (added == options.HnswCount)
                {
                    // Ground truth over exactly the vectors the graph holds; then the graph, as the tiered index builds it.
                    truth = [.. queries.Select(q => exact.Search(q, 10).Select(h => h.Id).ToHashSet())];
                    progress?.Report($"building HNSW of {added:N0} vectors on {options.BuildThreads} thread(s)");
                    var started = Stopwatch.GetTimestamp();
                    graph = exact.BuildGraph(options.Hnsw, options.BuildThreads, new Progress<int>(n => progress?.Report($"linked {n:N0} nodes")));
                    buildSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                }
            }

            progress?.Report($"inserted {added:N0} vectors");
        }

        var points = new List<HnswSearchPoint>();
        foreach (var ef in options.EfSearch)
        {
            var found = 0;
            for (var i = 0; i < queries.Length; i++)
            {
                found += graph!.Search(queries[i], 10, ef).Count(h => truth[i].Contains(h.Id));
            }

            var (p50, p95, mean) = Time(queries, q => graph!.Search(q, 10, ef));
            points.Add(new HnswSearchPoint(ef, Math.Round(found / (10.0 * queries.Length), 4), p50, p95, Math.Round(1000 / mean)));
        }

        var graphBytes = (long)graph!.NodeCount * ((options.Dimensions * 4) + (2 * options.Hnsw.M * 8) + 120);
        double singleRate = 0;
        var sample = Math.Min(options.SingleThreadBuildCount, options.HnswCount);
        if (sample > 0)
        {
            progress?.Report($"building HNSW of {sample:N0} vectors on one thread");
            var source = new ExactVectorIndex(options.Dimensions, sample);
            var sampleVectors = new SyntheticVectors(options.Dimensions, options.Clusters, options.Spread, options.Seed).Next(options.Queries + sample);
            for (var i = 0; i < sample; i++)
            {
                source.Upsert($"s{i}", sampleVectors[options.Queries + i]);
            }

            var started = Stopwatch.GetTimestamp();
            GC.KeepAlive(source.BuildGraph(options.Hnsw, degreeOfParallelism: 1));
            singleRate = Math.Round(sample / Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        var heap = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(exact);
        GC.KeepAlive(graph);
        using var process = Process.GetCurrentProcess();
        return new VectorBenchmarkResult(
            options.Dimensions,
            options.ExactCount,
            exactP50,
            exactP95,
            options.HnswCount,
            options.BuildThreads,
            Math.Round(buildSeconds, 2),
            Math.Round(options.HnswCount / buildSeconds),
            sample,
            singleRate,
            points,
            graphBytes,
            heap,
            process.PeakWorkingSet64);
    }

    private static (double P50, double P95, double MeanMs) Time(float[][] queries, Action<float[]> search)
    {
        foreach (var query in queries.Take(10))
        {
            search(query); // warm-up
        }

        var timings = new double[queries.Length];
        for (var i = 0; i < queries.Length; i++)
        {
            var started = Stopwatch.GetTimestamp();
            search(queries[i]);
            timings[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        var mean = timings.Average();
        Array.Sort(timings);
        return (Math.Round(timings[timings.Length / 2], 3), Math.Round(timings[Math.Min(timings.Length - 1, (int)Math.Ceiling(0.95 * timings.Length) - 1)], 3), mean);
    }
}
