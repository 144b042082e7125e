using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.Core;
using AgentRag.Ingestion.Pipeline;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AgentRag.Server.Tests.Telemetry;

/// <summary>
/// A real Prometheus (Debian's 2.42, which <c>./test.sh</c> installs) scrapes the server's <c>/metrics</c> on a real
/// Kestrel socket, and PromQL over the query-latency histogram returns data. The test starts Prometheus itself, on a
/// free loopback port with a generated configuration and a temp storage folder, and kills it however the test ends.
/// </summary>
public sealed class PrometheusScrapeTests(ITestOutputHelper output)
{
    private const string Binary = "/usr/bin/prometheus";

    [Fact]
    public async Task Metrics_ScrapedByPrometheus_QueryLatencyQuantileReturnsData()
    {
        File.Exists(Binary).ShouldBeTrue($"{Binary} is missing: install it with 'apt-get install --no-install-recommends prometheus' (./test.sh does).");
        using var factory = new AgentRagServerFactory();
        var server = factory.StartOnKestrel();
        var ingestion = factory.Services.GetRequiredService<DocumentIngestionService>();
        var submitted = await ingestion.SubmitFileAsync(Tenancy.DefaultTenant, SharedPaths.CorpusFile("nodejs-process.md"));
        await ingestion.ProcessAsync(Tenancy.DefaultTenant, submitted.Document.Id);
        using var http = new HttpClient { BaseAddress = server };
        foreach (var question in new[] { "What does the beforeExit event do?", "How do I read environment variables?", "What is process.argv?" })
        {
            using var answered = await http.PostAsJsonAsync("/v1/queries", new { query = question });
            answered.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        using var folder = new TempDirectory("agentrag-prometheus");
        var port = FreePort.Next();
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: agentrag
                metrics_path: /metrics
                static_configs:
                  - targets: ['{server.Authority}']
            """);
        using var prometheus = Process.Start(new ProcessStartInfo(Binary)
        {
            ArgumentList =
            {
                "--config.file=" + Path.Combine(folder.Path, "prometheus.yml"),
                "--storage.tsdb.path=" + Path.Combine(folder.Path, "data"),
                $"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var log = new System.Text.StringBuilder();
        prometheus.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        prometheus.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        prometheus.BeginErrorReadLine();
        prometheus.BeginOutputReadLine();
        try
        {
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            const string promql = "histogram_quantile(0.5, sum by (le) (agentrag_query_duration_seconds_bucket{outcome=\"completed\"}))";
            var deadline = Stopwatch.StartNew();
            JsonElement? result = null;
            while (deadline.Elapsed < TimeSpan.FromSeconds(90) && !prometheus.HasExited)
            {
                result = await QueryAsync(api, promql);
                if (result is { ValueKind: JsonValueKind.Array } r && r.GetArrayLength() > 0)
                {
                    break;
                }

                await Task.Delay(500); // Prometheus scrapes on its own schedule: poll its API.
            }

            lock (log)
            {
                output.WriteLine(log.ToString());
            }

            prometheus.HasExited.ShouldBeFalse("Prometheus exited: " + log);
            result.ShouldNotBeNull();
            result.Value.GetArrayLength().ShouldBe(1, $"no data for {promql} after {deadline.Elapsed.TotalSeconds:0} s");
            var median = double.Parse(result.Value[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
            double.IsNaN(median).ShouldBeFalse();
            median.ShouldBeGreaterThan(0);

            // The completed queries were counted by the scrape (other tests in the process may add more, never fewer).
            var count = await QueryAsync(api, "sum(agentrag_query_duration_seconds_count{outcome=\"completed\"})");
            double.Parse(count!.Value[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture).ShouldBeGreaterThanOrEqualTo(3);
            var invocations = await QueryAsync(api, "sum by (agent) (agentrag_agent_invocations_total{outcome=\"completed\"})");
            invocations!.Value.EnumerateArray().Select(s => s.GetProperty("metric").GetProperty("agent").GetString()).ShouldContain("retrieval");
        }
        finally
        {
            prometheus.Kill(entireProcessTree: true);
            await prometheus.WaitForExitAsync();
        }
    }

    private static async Task<JsonElement?> QueryAsync(HttpClient api, string promql)
    {
        try
        {
            var body = await api.GetFromJsonAsync<JsonElement>("/api/v1/query?query=" + Uri.EscapeDataString(promql));
            return body.GetProperty("status").GetString() == "success" ? body.GetProperty("data").GetProperty("result").Clone() : null;
        }
        catch (HttpRequestException)
        {
            return null; // Not listening yet.
        }
    }
}
