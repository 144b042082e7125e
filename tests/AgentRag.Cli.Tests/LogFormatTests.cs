using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.TestKit;

namespace AgentRag.Cli.Tests;

/// <summary><c>--log-format</c>: the lines a real <c>agentrag serve</c> writes to standard error.</summary>
public sealed class LogFormatTests
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

    [Fact]
    public async Task Serve_LogFormatJson_EveryStderrLineIsAJsonObjectAndRequestLinesCarryTheTraceId()
    {
        var (stderr, _) = await ServeAndSearchAsync("json");

        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.ShouldNotBeEmpty();
        var entries = lines.Select(line => Parse(line)).ToList();
        foreach (var entry in entries)
        {
            entry.GetProperty("timestamp").GetString().ShouldNotBeNullOrEmpty();
            entry.GetProperty("level").GetString().ShouldBeOneOf("trace", "debug", "info", "warn", "error", "critical");
            entry.GetProperty("category").GetString().ShouldNotBeNullOrEmpty();
            entry.GetProperty("message").GetString().ShouldNotBeNull();
        }

        entries.ShouldContain(e => e.GetProperty("message").GetString()!.StartsWith("Now listening on: http://127.0.0.1:", StringComparison.Ordinal));

        // The search's index load happens inside the request: it carries the caller's trace and the tenant.
        var load = entries.Single(e => e.GetProperty("message").GetString()!.StartsWith("Loaded BM25 index of tenant log-tenant", StringComparison.Ordinal));
        load.GetProperty("level").GetString().ShouldBe("info");
        load.GetProperty("category").GetString().ShouldBe("AgentRag.Retrieval.Keyword.Bm25IndexCatalog");
        load.GetProperty("tenant").GetString().ShouldBe("log-tenant");
        load.GetProperty("trace_id").GetString().ShouldBe(TraceId);
        load.GetProperty("service").GetString().ShouldBe("agentrag");
        load.GetProperty("span_id").GetString()!.Length.ShouldBe(16);
    }

    [Fact]
    public async Task Serve_LogFormatText_LinesStayText()
    {
        var (stderr, _) = await ServeAndSearchAsync("text");

        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.ShouldContain(line => line.StartsWith("info: Microsoft.Hosting.Lifetime[", StringComparison.Ordinal) && line.Contains("Now listening on: http://127.0.0.1:", StringComparison.Ordinal));
        lines.ShouldContain(line => line.StartsWith("info: AgentRag.Retrieval.Keyword.Bm25IndexCatalog[", StringComparison.Ordinal) && line.Contains("Loaded BM25 index of tenant log-tenant", StringComparison.Ordinal));
        lines.ShouldAllBe(line => !line.TrimStart().StartsWith('{'));
    }

    [Fact]
    public async Task Search_LogFormatJson_TheCommandsOwnLogLinesAreJson()
    {
        using var data = new TempDirectory();

        var result = await CliProcess.RunAsync(["search", "beforeExit", "--data", data.Path, "--log-format", "json", "--log-level", "Information"]);

        result.ExitCode.ShouldBe(0, result.ToString());
        var entries = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToList();
        var load = entries.Single(e => e.GetProperty("message").GetString()!.StartsWith("Loaded BM25 index of tenant default", StringComparison.Ordinal));
        load.GetProperty("level").GetString().ShouldBe("info");
        load.GetProperty("tenant").GetString().ShouldBe("default");
    }

    private static JsonElement Parse(string line)
    {
        try
        {
            return JsonDocument.Parse(line).RootElement;
        }
        catch (JsonException ex)
        {
            throw new ShouldAssertException($"A log line is not JSON ({ex.Message}): {line}");
        }
    }

    /// <summary>Starts <c>serve</c> with the format, searches once as a new tenant with a known trace, and stops it.</summary>
    private static async Task<(string Stderr, string Stdout)> ServeAndSearchAsync(string format)
    {
        using var data = new TempDirectory();
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        await using var server = CliProcess.Start(["serve", "--urls", url, "--data", data.Path, "--log-format", format]);
        await server.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));

        using var http = new HttpClient { BaseAddress = new Uri(url) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/search") { Content = JsonContent.Create(new { query = "anything" }) };
        request.Headers.Add("X-Tenant-ID", "log-tenant");
        request.Headers.Add("traceparent", $"00-{TraceId}-00f067aa0ba902b7-01");
        using var response = await http.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        await server.WaitForOutputAsync(line => line.Contains("Loaded BM25 index of tenant log-tenant", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        server.Kill();
        var result = await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return (result.StandardError, result.StandardOutput);
    }
}
