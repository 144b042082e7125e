using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AgentRag.Agents.Planning;
using AgentRag.Agents.Plans;
using AgentRag.Agents.Workflows;

namespace AgentRag.Agents.Benchmarks;

/// <summary>Settings of <see cref="QueryBenchmark"/>.</summary>
public sealed record QueryBenchmarkOptions
{
    /// <summary>Streams open at once.</summary>
    public int Concurrency { get; init; } = 50;

    /// <summary>Questions, asked round-robin (the corpus must answer them for meaningful numbers).</summary>
    public IReadOnlyList<string> Questions { get; init; } =
    [
        "How do I assign a value to a variable in R?",
        "What does exit status 13 mean for a Node.js process?",
        "Where should a daemon write its PID file?",
        "What is the difference between the beforeExit and exit events?",
    ];

    public string Tenant { get; init; } = Core.Tenancy.DefaultTenant;

    /// <summary>Extractive by default: the benchmark measures orchestration, not a model.</summary>
    public string Mode { get; init; } = "extractive";
}

/// <summary>
/// Latencies of concurrent streaming queries, in milliseconds. Time to first token is that of the answer that stands: a
/// <c>token.reset</c> voids the tokens before it, so the first token after the last reset counts. <see cref="TokenResets"/>
/// counts those resets over all queries.
/// </summary>
public sealed record QueryBenchmarkResult(
    int Queries, int Errors, double TimeToFirstTokenP50Ms, double TimeToFirstTokenP95Ms, double TotalP50Ms, double TotalP95Ms, double TotalP99Ms,
    double WallSeconds, IReadOnlyList<string> ErrorSamples, int TokenResets = 0);

/// <summary>Orchestration overhead: the same plans run through the workflow actor and by calling the agents directly.</summary>
public sealed record OrchestrationOverheadResult(int Runs, double DirectMeanMs, double WorkflowMeanMs, double StepsPerRun, double OverheadPerStepMs);

/// <summary>
/// <c>agentrag bench query</c>: N concurrent streaming queries over HTTP against a running server (time to first token,
/// total time, errors), and the orchestration overhead per step measured in-process in the same run.
/// </summary>
public static class QueryBenchmark
{
    /// <summary>
    /// Opens <see cref="QueryBenchmarkOptions.Concurrency"/> streaming <c>POST /v1/queries</c> at once on
    /// <paramref name="client"/> (its base address is the server) and reads each to its end. A non-200 status, an
    /// <c>error</c> event, a stream without <c>done</c> or an exception counts as an error.
    /// </summary>
    public static async Task<QueryBenchmarkResult> RunHttpAsync(HttpClient client, QueryBenchmarkOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Concurrency);
        var wall = Stopwatch.StartNew();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, options.Concurrency)
            .Select(i => AskOnceAsync(client, options.Questions[i % options.Questions.Count], options, cancellationToken)));
        wall.Stop();

        var ok = outcomes.Where(o => o.Error is null).ToList();
        var firstTokens = ok.Where(o => o.FirstTokenMs is not null).Select(o => o.FirstTokenMs!.Value).Order().ToList();
        var totals = ok.Select(o => o.TotalMs).Order().ToList();
        return new QueryBenchmarkResult(
            outcomes.Length,
            outcomes.Length - ok.Count,
            Percentile(firstTokens, 0.50),
            Percentile(firstTokens, 0.95),
            Percentile(totals, 0.50),
            Percentile(totals, 0.95),
            Percentile(totals, 0.99),
            Math.Round(wall.Elapsed.TotalSeconds, 3),
            [.. outcomes.Where(o => o.Error is not null).Select(o => o.Error!).Distinct().Take(5)],
            outcomes.Sum(o => o.Resets));
    }

    /// <summary>
    /// Runs each question's plan <paramref name="runs"/> times through <see cref="WorkflowService"/> and the same number
    /// of times by calling its agents in dependency order directly, and reports the difference per step.
    /// </summary>
    public static async Task<OrchestrationOverheadResult> MeasureOverheadAsync(
        WorkflowService workflows, IQueryPlanner planner, AgentCatalog catalog, IReadOnlyList<string> questions, int runs, string tenant = Core.Tenancy.DefaultTenant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(questions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(runs);
        double direct = 0, orchestrated = 0, steps = 0;
        for (var i = 0; i < runs; i++)
        {
            var question = questions[i % questions.Count];
            var planned = await planner.PlanAsync(new PlanningRequest(tenant, question, "wf_benchmarkoverhead", UseModel: false), cancellationToken);

            var started = Stopwatch.GetTimestamp();
            await RunDirectAsync(planned.Plan, catalog, tenant, question, cancellationToken);
            direct += Stopwatch.GetElapsedTime(started).TotalMilliseconds;

            started = Stopwatch.GetTimestamp();
            var state = await workflows.RunAsync(tenant, new QueryRequest(question, Mode: QueryMode.Extractive), cancellationToken: cancellationToken);
            orchestrated += Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            steps += state.Steps.Count;
        }

        var stepsPerRun = steps / runs;
        return new OrchestrationOverheadResult(
            runs,
            Math.Round(direct / runs, 3),
            Math.Round(orchestrated / runs, 3),
            stepsPerRun,
            Math.Round(((orchestrated - direct) / runs) / stepsPerRun, 3));
    }

    private static async Task RunDirectAsync(Plan plan, AgentCatalog catalog, string tenant, string question, CancellationToken cancellationToken)
    {
        var outputs = new Dictionary<string, StepOutput>(StringComparer.Ordinal);
        foreach (var step in PlanValidator.TopologicalOrder(plan))
        {
            var context = new StepContext
            {
                TenantId = tenant,
                WorkflowId = "wf_benchmarkdirect",
                StepId = step.Id,
                Query = question,
                Mode = QueryMode.Extractive,
                Inputs = step.Inputs,
                Dependencies = [.. step.DependsOn.Select(d => new StepDependency(d, plan.Find(d)!.Agent, outputs[d]))],
                Events = DiscardEvents.Instance,
            };
            outputs[step.Id] = await catalog.Get(step.Agent).ExecuteAsync(context, cancellationToken);
        }
    }

    private static async Task<(double? FirstTokenMs, double TotalMs, string? Error, int Resets)> AskOnceAsync(
        HttpClient client, string question, QueryBenchmarkOptions options, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/queries") { Content = JsonContent.Create(new { query = question, mode = options.Mode }) };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            request.Headers.Add("X-Tenant-ID", options.Tenant);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return (null, 0, $"HTTP {(int)response.StatusCode}", 0);
            }

            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var reader = new StreamReader(stream);
            double? firstToken = null;
            var resets = 0;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (!line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    continue;
                }

                var type = line["event: ".Length..];
                if (type == WorkflowEvents.Token && firstToken is null)
                {
                    firstToken = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
                else if (type == WorkflowEvents.TokenReset)
                {
                    // The tokens so far are void: the answer's first token is yet to come.
                    firstToken = null;
                    resets++;
                }
                else if (type == WorkflowEvents.Done)
                {
                    return (firstToken, Stopwatch.GetElapsedTime(started).TotalMilliseconds, null, resets);
                }
                else if (type == WorkflowEvents.Error)
                {
                    return (firstToken, 0, "error event", resets);
                }
            }

            return (firstToken, 0, "the stream ended without 'done'", resets);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
        {
            return (null, 0, ex.GetType().Name + ": " + ex.Message, 0);
        }
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)], 3);

    private sealed class DiscardEvents : IStepEvents
    {
        public static readonly DiscardEvents Instance = new();

        public void Progress(string message)
        {
        }

        public void Token(string text)
        {
        }

        public void ResetTokens(string reason, TokenResetCause cause = TokenResetCause.Restart)
        {
        }

        public void Warning(string kind, string message)
        {
        }

        public void ToolCall(string tool, string arguments, string resultSummary)
        {
        }
    }
}
