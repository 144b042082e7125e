using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using AgentRag.Core.Serialization;
using AgentRag.Retrieval.Evaluation;

namespace AgentRag.Cli.Commands;

/// <summary>
/// <c>agentrag bench retrieval --url URL [--server-pid PID]</c>: <c>POST /v1/search</c> latency of hybrid against
/// BM25-only search on a running server, one at a time and 50 at once (p50/p95), and the server's CPU time per query
/// when its process id is given. Every request carries a query no earlier request carried (SciFact's query texts), so
/// neither the search result cache nor the query-embedding cache answers: each hybrid query is embedded.
/// </summary>
internal static class BenchRetrievalCommand
{
    private static readonly string[] Modes = ["hybrid", "bm25"];

    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "The running server (agentrag serve).", Required = true };
        var serverPid = new Option<int?>("--server-pid") { Description = "The server's process id, to report its CPU time per query (same machine)." };
        var queriesFrom = new Option<string?>("--scifact") { Description = "BEIR folder whose queries.jsonl gives the query texts (default: ../shared/datasets/scifact)." };
        var sequential = new Option<int>("--sequential") { Description = "Timed queries per mode, one at a time.", DefaultValueFactory = _ => 40 };
        var concurrent = new Option<int>("--concurrent") { Description = "Timed queries per mode, 50 at once.", DefaultValueFactory = _ => 100 };
        var command = new Command("retrieval", "Search latency over HTTP, hybrid beside BM25 (1 and 50 at once), and server CPU per query.")
        {
            url, serverPid, queriesFrom, sequential, concurrent,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (!Uri.TryCreate(parseResult.GetValue(url), UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
            {
                throw new CliException($"Invalid --url '{parseResult.GetValue(url)}': give the server's address, e.g. http://127.0.0.1:5080.", ExitCodes.Usage);
            }

            var perModeSequential = Positive(parseResult.GetValue(sequential), "--sequential");
            var perModeConcurrent = Positive(parseResult.GetValue(concurrent), "--concurrent");
            Process? server = null;
            if (parseResult.GetValue(serverPid) is { } pid)
            {
                try
                {
                    server = Process.GetProcessById(pid);
                }
                catch (ArgumentException)
                {
                    throw new CliException($"No process {pid} (--server-pid): give the id of the running agentrag serve.", ExitCodes.Usage);
                }
            }

            var folder = parseResult.GetValue(queriesFrom) ?? Path.Combine("..", "shared", "datasets", "scifact");
            List<string> texts;
            try
            {
                texts = [.. (await BeirDataset.LoadQueriesAsync(folder, cancellationToken)).Select(q => q.Text).Distinct(StringComparer.Ordinal)];
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException)
            {
                throw new CliException(ex.Message, ExitCodes.Usage);
            }

            var warmUp = 10;
            var needed = Modes.Length * (warmUp + perModeSequential + perModeConcurrent);
            if (texts.Count < needed)
            {
                throw new CliException($"{folder} has {texts.Count} distinct queries; this run needs {needed} (lower --sequential or --concurrent).", ExitCodes.Usage);
            }

            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5) };
            var next = 0;
            List<string> Take(int count)
            {
                var slice = texts.GetRange(next, count);
                next += count;
                return slice;
            }

            var results = new List<object>();
            foreach (var mode in Modes)
            {
                await RunAsync(client, mode, Take(warmUp), 1, null, cancellationToken); // JIT, index load, model warm-up
            }

            foreach (var concurrency in new[] { 1, 50 })
            {
                foreach (var mode in Modes)
                {
                    var run = await RunAsync(client, mode, Take(concurrency == 1 ? perModeSequential : perModeConcurrent), concurrency, server, cancellationToken);
                    Console.Error.WriteLine($"bench retrieval: {mode}, {concurrency} at once: p50 {run.P50Ms} ms, p95 {run.P95Ms} ms");
                    results.Add(run);
                }
            }

            var report = new { url = baseAddress, processorCount = Environment.ProcessorCount, runs = results };
            JsonOutput.WriteReport(report, parseResult.GetValue(CommonOptions.Json));

            return results.Cast<RetrievalRun>().All(r => r.Errors == 0) ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private sealed record RetrievalRun(
        string Mode, int Concurrency, int Queries, int Errors, IReadOnlyDictionary<string, int> ModesServed,
        double P50Ms, double P95Ms, double QueriesPerSecond, double? ServerCpuMsPerQuery);

    private static async Task<RetrievalRun> RunAsync(
        HttpClient client, string mode, List<string> queries, int concurrency, Process? server, CancellationToken cancellationToken)
    {
        var latencies = new double[queries.Count];
        var served = new string?[queries.Count];
        var errors = 0;
        server?.Refresh();
        var cpuBefore = server?.TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, queries.Count), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.PostAsJsonAsync("/v1/search", new { query = queries[i], k = 10, mode }, AgentRagJson.Options, token);
                    var body = await response.Content.ReadFromJsonAsync<SearchAnswer>(AgentRagJson.Options, token);
                    latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                    served[i] = response.IsSuccessStatusCode ? body?.Mode : $"http {(int)response.StatusCode}";
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                    served[i] = "connection error";
                    Interlocked.Increment(ref errors);
                }
            });
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        server?.Refresh();
        var cpu = server is null ? (TimeSpan?)null : server.TotalProcessorTime - cpuBefore!.Value;
        Array.Sort(latencies);
        return new RetrievalRun(
            mode, concurrency, queries.Count, errors,
            served.GroupBy(s => s ?? "no mode").ToDictionary(g => g.Key, g => g.Count()),
            Math.Round(Percentile(latencies, 0.50), 1), Math.Round(Percentile(latencies, 0.95), 1), Math.Round(queries.Count / seconds, 1),
            cpu is null ? null : Math.Round(cpu.Value.TotalMilliseconds / queries.Count, 2));
    }

    private sealed record SearchAnswer(string? Mode);

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static int Positive(int value, string option) =>
        value > 0 ? value : throw new CliException($"{option} must be a positive number; it was {value}.", ExitCodes.Usage);
}
