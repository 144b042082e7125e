using System.Net;
using System.Net.Sockets;
using AgentRag.Models.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Models.Tests;

public sealed class ModelProbeTests
{
    [Fact]
    public async Task ProbeAll_EveryProfileAnswers_ReportsEachAndRecordsTheServedTokens()
    {
        await using var harness = await ModelHarness.StartAsync();

        var results = await harness.Services.GetRequiredService<ModelProbe>().ProbeAllAsync("default");

        results.Select(r => (r.Profile, r.Succeeded)).ShouldBe([("primary", true), ("fallback", true), ("cheap", true), ("embedding", true)]);
        harness.Server.Requests.Count.ShouldBe(4);
        var rows = await harness.UsageRowsAsync();
        rows.Count.ShouldBe(4);
        rows.ShouldAllBe(r => r.Agent == ModelProbe.Agent && !r.Estimated);
        rows.Sum(r => r.InputTokens).ShouldBe(harness.Server.ServedPromptTokens);
        rows.Sum(r => r.OutputTokens).ShouldBe(harness.Server.ServedCompletionTokens);
        results.Sum(r => r.InputTokens + r.OutputTokens).ShouldBe(harness.Server.ServedPromptTokens + harness.Server.ServedCompletionTokens);
    }

    [Fact]
    public async Task ProbeAll_ClosedPort_ReportsOneFailureNamingProfileAndUrlWithoutRetrying()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closed = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/v1";
        listener.Stop();
        await using var harness = await ModelHarness.StartAsync(settings =>
        {
            settings["OPENAI_BASE_URL"] = closed;
            settings["AGENTRAG_FALLBACK_MODEL"] = null;
            settings["AGENTRAG_CHEAP_MODEL"] = null;
            settings["AGENTRAG_EMBEDDING_MODEL"] = null;
        });

        var result = (await harness.Services.GetRequiredService<ModelProbe>().ProbeAllAsync("default")).Single();

        result.Succeeded.ShouldBeFalse();
        result.Error.ShouldNotBeNull().ShouldContain($"Model profile 'primary' (gpt-primary at {closed})");
        result.Error.ShouldContain("cannot reach");
        harness.Clock.PendingTimers.ShouldBe(0);
    }
}
