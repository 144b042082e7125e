using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.TestKit;

namespace AgentRag.Cli.Tests;

/// <summary><c>agentrag serve</c> as a child process: crash recovery over HTTP, start-up failures.</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_KilledWhileADocumentIsChunking_RestartFinishesTheDocument()
    {
        using var data = new TempDirectory();
        var port = FreePort.Next();
        var url = $"http://127.0.0.1:{port}";
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
        string id;

        await using (var server = StartServer(data.Path, url, holdAtChunking: true))
        {
            await server.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            using var content = new MultipartFormDataContent();
            var file = new ByteArrayContent(File.ReadAllBytes(SharedPaths.CorpusFile("R-data.pdf")));
            file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            content.Add(file, "files", "R-data.pdf");
            var upload = await http.PostAsync("/v1/documents", content);
            upload.StatusCode.ShouldBe(HttpStatusCode.Accepted, await upload.Content.ReadAsStringAsync());
            id = (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("documents")[0].GetProperty("id").GetString()!;

            await server.WaitForOutputAsync(line => line.Contains("holding at stage Chunking", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            var held = await http.GetFromJsonAsync<JsonElement>($"/v1/documents/{id}");
            held.GetProperty("status").GetString().ShouldBe("processing");
            held.GetProperty("stage").GetString().ShouldBe("chunking");
            server.Kill();
        }

        await using (var restarted = StartServer(data.Path, url, holdAtChunking: false))
        {
            await restarted.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/documents/{id}/events");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var events = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var body = await events.Content.ReadAsStringAsync(); // the stream ends after the final event
            body.ShouldContain("event: ready");

            var document = await http.GetFromJsonAsync<JsonElement>($"/v1/documents/{id}");
            document.GetProperty("status").GetString().ShouldBe("ready");
            document.GetProperty("pageCount").GetInt32().ShouldBe(41);
            document.GetProperty("attempts").GetInt32().ShouldBe(2);
            (await http.GetFromJsonAsync<JsonElement>($"/v1/documents/{id}/chunks")).GetArrayLength().ShouldBe(document.GetProperty("chunkCount").GetInt32());
        }
    }

    [Fact]
    public async Task Serve_PortInUse_OneClearLineAndTheConfigurationExitCode()
    {
        using var data = new TempDirectory();
        using var blocker = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((IPEndPoint)blocker.LocalEndpoint).Port;

        var result = await CliProcess.RunAsync(
            ["serve", "--urls", $"http://127.0.0.1:{port}", "--data", data.Path, "--log-format", "text"], timeout: TimeSpan.FromMinutes(1));

        result.ExitCode.ShouldBe(3, result.ToString());
        var line = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ShouldHaveSingleItem(result.ToString());
        line.ShouldBe($"agentrag: cannot listen on http://127.0.0.1:{port}: the address is already in use (is another server running?); stop it or choose another address with --urls.");
        result.StandardOutput.ShouldBeEmpty();
    }

    [Fact]
    public async Task Serve_UnparsableKnownProxy_ExitsWithAConfigurationErrorNamingTheSetting()
    {
        using var data = new TempDirectory();

        var result = await CliProcess.RunAsync(
            ["serve", "--urls", $"http://127.0.0.1:{FreePort.Next()}", "--data", data.Path],
            new Dictionary<string, string?> { ["AgentRag__Server__KnownProxies__0"] = "proxy.internal" },
            timeout: TimeSpan.FromMinutes(1));

        result.ExitCode.ShouldBe(3, result.ToString());
        result.StandardError.ShouldContain("AgentRag:Server:KnownProxies:0 ('proxy.internal') is not an IP address");
    }

    private static CliProcess StartServer(string data, string url, bool holdAtChunking) => CliProcess.Start(
        ["serve", "--urls", url, "--data", data, "--log-format", "text"],
        holdAtChunking ? new Dictionary<string, string?> { ["AGENTRAG_TEST_HOLD_AT_STAGE"] = "chunking" } : null);
}
