using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentRag.Server.Telemetry;
using AgentRag.Server.Tests.Telemetry;
using OpenTelemetry.Trace;
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
        using var collector = new LoopbackOtlpCollector();
        using (var factory = new AgentRagServerFactory(new Dictionary<string, string?>
        {
            [TelemetrySetup.OtlpEndpointVariable] = collector.Url,
            [TelemetrySetup.OtlpProtocolVariable] = "http/protobuf",
        }))
        {
            var client = factory.CreateClient();
            (await client.GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.OK);
            factory.Services.GetRequiredService<TracerProvider>().ForceFlush().ShouldBeTrue();
        }

        var traces = collector.Received.Where(r => r.Path == "/v1/traces").ToList();
        traces.ShouldNotBeEmpty();
        var payload = Encoding.UTF8.GetString(traces.SelectMany(r => r.Body).ToArray());
        payload.ShouldContain("/v1/documents", customMessage: string.Join(" ", System.Text.RegularExpressions.Regex.Matches(payload, "[ -~]{4,}").Select(m => m.Value)));
    }
}
