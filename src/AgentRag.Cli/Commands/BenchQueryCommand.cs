using System.CommandLine;
using AgentRag.Agents;
using AgentRag.Core.Actors;
using AgentRag.Agents.Benchmarks;
using AgentRag.Agents.Planning;
using AgentRag.Agents.Workflows;

namespace AgentRag.Cli.Commands;

/// <summary>
/// <c>agentrag bench query --url URL [--concurrency N] [--overhead-runs N] [--mode extractive|model|auto]</c>: N
/// concurrent streaming queries (extractive by default; model to include the server's model calls) against a running
/// server on the same data folder (p50/p95 time to first token and total, errors), then the
/// orchestration overhead per step measured in this process (workflow actor against calling the agents directly).
/// </summary>
internal static class BenchQueryCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "The running server (agentrag serve) whose data folder is --data.", Required = true };
        var concurrency = new Option<int>("--concurrency") { Description = "Streams at once.", DefaultValueFactory = _ => 50 };
        var overheadRuns = new Option<int>("--overhead-runs") { Description = "Queries run both ways for the overhead figure (0: skip).", DefaultValueFactory = _ => 50 };
        var mode = new Option<string>("--mode")
        {
            Description = "The queries' answer mode: extractive (orchestration only) or model/auto (with the server's chat model).",
            DefaultValueFactory = _ => "extractive",
        };
        mode.AcceptOnlyFromAmong("extractive", "model", "auto");
        var command = new Command("query", "Concurrent streaming queries over HTTP: time to first token, total, errors, orchestration overhead.") { url, concurrency, overheadRuns, mode };
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            if (!Uri.TryCreate(parseResult.GetValue(url), UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
            {
                throw new CliException($"Invalid --url '{parseResult.GetValue(url)}': give the server's address, e.g. http://127.0.0.1:5080.", ExitCodes.Usage);
            }

            var options = new QueryBenchmarkOptions { Concurrency = parseResult.GetValue(concurrency), Tenant = host.TenantId, Mode = parseResult.GetValue(mode)! };
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue })
            {
                BaseAddress = baseAddress,
                Timeout = TimeSpan.FromMinutes(5),
            };

            // Warm up the server (index load, JIT) so the figures are steady-state.
            await QueryBenchmark.RunHttpAsync(client, options with { Concurrency = 4 }, cancellationToken);
            var http = await QueryBenchmark.RunHttpAsync(client, options, cancellationToken);

            OrchestrationOverheadResult? overhead = null;
            if (parseResult.GetValue(overheadRuns) is > 0 and var runs)
            {
                await host.Get<IActorRuntime>().StartAsync(cancellationToken);
                overhead = await QueryBenchmark.MeasureOverheadAsync(
                    host.Get<WorkflowService>(), host.Get<IQueryPlanner>(), host.Get<AgentCatalog>(), options.Questions, runs, host.TenantId, cancellationToken);
            }

            var report = new { concurrency = options.Concurrency, http, overhead, processorCount = Environment.ProcessorCount };
            JsonOutput.WriteReport(report, host.Json);

            return http.Errors == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }
}
