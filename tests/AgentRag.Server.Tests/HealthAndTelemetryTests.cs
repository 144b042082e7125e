using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentRag.Server.Telemetry;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Server.Tests;

public sealed class HealthAndTelemetryTests
{
    [Fact]
    public async Task Health_AllThreeProbes_ReportEachCheckByName()
    {
        using var factory = new AgentRagServerFactory();
        var client = factory.CreateClient();

        var live = await client.GetAsync("/health/live");
        var ready = await client.GetFromJsonAsync<JsonElement>("/health/ready");
        var startup = await client.GetFromJsonAsync<JsonElement>("/health/startup");

        live.StatusCode.ShouldBe(HttpStatusCode.OK);
        ready.GetProperty("status").GetString().ShouldBe("healthy");
        var checks = ready.GetProperty("checks");
        checks.GetProperty("sqlite").GetProperty("status").GetString().ShouldBe("healthy");
        checks.GetProperty("data-folder").GetProperty("status").GetString().ShouldBe("healthy");
        checks.GetProperty("pdftotext").GetProperty("status").GetString().ShouldBe("healthy");
        startup.GetProperty("checks").GetProperty("recovery").GetProperty("status").GetString().ShouldBe("healthy");
    }

    [Fact]
    public async Task HealthReady_UnauthenticatedCaller_ShowsNoAbsolutePaths()
    {
        using var factory = new AgentRagServerFactory();
        var client = factory.CreateClient();

        var body = await client.GetStringAsync("/health/ready");

        body.ShouldNotContain(factory.DataPath);
        body.ShouldNotMatch(@"(^|[\s'""(=:])/[\w.-]+/", "an absolute path: " + body);
        var checks = JsonDocument.Parse(body).RootElement.GetProperty("checks");
        checks.GetProperty("sqlite").GetProperty("description").GetString()!.ShouldMatch(@"^agentrag\.db: schema v\d+, \d+ tables\.$");
        checks.GetProperty("data-folder").GetProperty("description").GetString().ShouldBe("The data folder is writable.");
        checks.GetProperty("pdftotext").GetProperty("description").GetString().ShouldBe("pdftotext is on the PATH.");
    }

    [Fact]
    public async Task OpenApi_Document_ListsTheDocumentsRoutes()
    {
        using var factory = new AgentRagServerFactory();

        var openApi = await factory.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = openApi.GetProperty("paths");
        paths.TryGetProperty("/v1/documents", out _).ShouldBeTrue();
        paths.TryGetProperty("/v1/documents/{id}/events", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Otlp_EndpointConfigured_SpansReachTheLoopbackCollector()
    {
        using var collector = new LoopbackCollector();
        using (var factory = new AgentRagServerFactory(new Dictionary<string, string?>
        {
            [TelemetrySetup.OtlpEndpointVariable] = collector.Url,
            [TelemetrySetup.OtlpProtocolVariable] = "http/protobuf",
        }))
        {
            var client = factory.CreateClient();
            (await client.GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.OK);
            factory.Services.GetRequiredService<TelemetrySetup.TelemetryProviders>().ForceFlush().ShouldBeTrue();
        }

        var traces = collector.Received.Where(r => r.Path == "/v1/traces").ToList();
        traces.ShouldNotBeEmpty();
        var payload = Encoding.UTF8.GetString(traces.SelectMany(r => r.Body).ToArray());
        payload.ShouldContain("/v1/documents", customMessage: string.Join(" ", System.Text.RegularExpressions.Regex.Matches(payload, "[ -~]{4,}").Select(m => m.Value)));
    }

    /// <summary>An HTTP endpoint on loopback that records what the OTLP exporter posts.</summary>
    private sealed class LoopbackCollector : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        public LoopbackCollector()
        {
            var port = FreePort.Next();
            Url = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Url + "/");
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }

                    using var body = new MemoryStream();
                    await context.Request.InputStream.CopyToAsync(body);
                    lock (Received)
                    {
                        Received.Add((context.Request.Url!.AbsolutePath, body.ToArray()));
                    }

                    context.Response.StatusCode = 200;
                    context.Response.ContentType = "application/x-protobuf";
                    context.Response.Close();
                }
            });
        }

        public string Url { get; }

        public List<(string Path, byte[] Body)> Received { get; } = [];

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
