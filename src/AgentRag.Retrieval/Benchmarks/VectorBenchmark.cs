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
}

/// <summary>Results of <see cref="VectorBenchmark.Run"/>.</summary>
public sealed record VectorBenchmarkResult(
    int Dimensions,
    int ExactCount,
    double ExactP50Ms,
    double ExactP95Ms,
    int HnswCount,
    double HnswBuildSeconds,
    double HnswInsertsPerSecond,
    double HnswRecallAt10,
    double HnswP50Ms,
    double HnswP95Ms,
    double HnswQueriesPerSecond,
    long ManagedHeapBytes);

/// <summary>
/// The vector part of <c>agentrag bench search</c>, on one thread over seeded clustered vectors
/// (<see cref="SyntheticVectors"/>): exact-scan latency at <see cref="VectorBenchmarkOptions.ExactCount"/>, and HNSW
/// build rate, recall@10 against exact search, latency and queries per second at
/// <see cref="VectorBenchmarkOptions.HnswCount"/>.
/// </summary>
public sealed class VectorBenchmark
{
    public VectorBenchmarkResult Run(VectorBenchmarkOptions options, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var generator = new SyntheticVectors(options.Dimensions, options.Clusters, options.Spread, options.Seed);
        var queries = generator.Next(options.Queries);

        var total = Math.Max(options.ExactCount, options.HnswCount);
        var exact = new ExactVectorIndex(options.Dimensions, total);
        var hnsw = new HnswVectorIndex(options.Dimensions, options.Hnsw, options.HnswCount);
        var buildTime = new Stopwatch();
        double exactP50 = 0, exactP95 = 0;
        HashSet<string>[] truth = [];
        for (var added = 0; added < total;)
        {
            var batch = generator.Next(Math.Min(10_000, total - added));
            foreach (var vector in batch)
            {
                exact.Upsert($"v{added}", vector);
                if (added < options.HnswCount)
                {
                    buildTime.Start();
                    hnsw.Upsert($"v{added}", vector);
                    buildTime.Stop();
                }

                added++;
            }

            progress?.Report($"inserted {added:N0} vectors");
            if (added == options.ExactCount)
            {
                (exactP50, exactP95) = Time(queries, q => exact.Search(q, 10));
            }

            if (added == options.HnswCount)
            {
                // Ground truth over exactly the vectors the graph holds.
                truth = queries.Select(q => exact.Search(q, 10).Select(h => h.Id).ToHashSet()).ToArray();
            }
        }

        var found = 0;
        for (var i = 0; i < queries.Length; i++)
        {
            found += hnsw.Search(queries[i], 10).Count(h => truth[i].Contains(h.Id));
        }

        var (hnswP50, hnswP95) = Time(queries, q => hnsw.Search(q, 10), out var meanMs);
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(exact);
        GC.KeepAlive(hnsw);
        return new VectorBenchmarkResult(
            options.Dimensions,
            options.ExactCount,
            exactP50,
            exactP95,
            options.HnswCount,
            Math.Round(buildTime.Elapsed.TotalSeconds, 2),
            Math.Round(options.HnswCount / buildTime.Elapsed.TotalSeconds),
            Math.Round(found / (10.0 * queries.Length), 4),
            hnswP50,
            hnswP95,
            Math.Round(1000 / meanMs),
            heap);
    }

    private static (double P50, double P95) Time(float[][] queries, Action<float[]> search) => Time(queries, search, out _);

    private static (double P50, double P95) Time(float[][] queries, Action<float[]> search, out double meanMs)
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

        meanMs = timings.Average();
        Array.Sort(timings);
        return (Math.Round(timings[timings.Length / 2], 3), Math.Round(timings[Math.Min(timings.Length - 1, (int)Math.Ceiling(0.95 * timings.Length) - 1)], 3));
    }
}
