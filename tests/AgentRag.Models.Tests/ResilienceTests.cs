using AgentRag.Core.Usage;
using AgentRag.Models.Calls;
using AgentRag.Models.Resilience;
using AgentRag.TestKit.OpenAi;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;

namespace AgentRag.Models.Tests;

public sealed class ResilienceTests
{
    private static readonly Action<Dictionary<string, string?>> NoFallback = settings => settings["AGENTRAG_FALLBACK_MODEL"] = null;

    [Fact]
    public async Task GetResponse_One503_IsExactlyTwoRequestsBecauseSdkRetriesAreOff()
    {
        await using var harness = await ModelHarness.StartAsync(NoFallback);
        harness.Server.Chat.Enqueue(ScriptedResponse.Error(503));

        var response = await harness.RunAsync(harness.Chat.GetResponseAsync(ModelHarness.Ask("hello")));

        response.Text.ShouldBe("Echo: hello");
        harness.Server.Count("chat").ShouldBe(2);
        var times = harness.Server.Requests.Select(r => r.ReceivedAt).ToList();
        (times[1] - times[0]).ShouldBe(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task GetResponse_429WithRetryAfter_WaitsThatLongThenSucceeds()
    {
        await using var harness = await ModelHarness.StartAsync(NoFallback);
        harness.Server.Chat.Enqueue(ScriptedResponse.Error(429, "Rate limit reached for requests", retryAfter: "7"));

        var response = await harness.RunAsync(harness.Chat.GetResponseAsync(ModelHarness.Ask("hello")));

        response.Text.ShouldBe("Echo: hello");
        var times = harness.Server.Requests.Select(r => r.ReceivedAt).ToList();
        times.Count.ShouldBe(2);
        (times[1] - times[0]).ShouldBe(TimeSpan.FromSeconds(7));
        harness.Logs.All.ShouldContain("rate limited (HTTP 429); retry after 7 s");
    }

    [Fact]
    public async Task GetResponse_Persistent503_RetriesThreeTimesAt1And2And4SecondsThenFails()
    {
        await using var harness = await ModelHarness.StartAsync(NoFallback);
        harness.Server.Chat.Enqueue(10, () => ScriptedResponse.Error(503, "upstream overloaded"));

        var error = await Should.ThrowAsync<ModelCallException>(() => harness.RunAsync(harness.Chat.GetResponseAsync(ModelHarness.Ask("hello"))));

        error.Kind.ShouldBe(ModelFailureKind.ServerError);
        error.StatusCode.ShouldBe(503);
        error.Message.ShouldContain("Model profile 'primary' (gpt-primary at");
        error.Message.ShouldContain("upstream overloaded");
        var times = harness.Server.Requests.Select(r => r.ReceivedAt).ToList();
        times.Count.ShouldBe(4);
        times.Zip(times.Skip(1), (a, b) => b - a).ShouldBe([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)]);
        var row = (await harness.UsageRowsAsync()).Single();
        row.Outcome.ShouldBe(UsageOutcome.Failed);
        row.TotalTokens.ShouldBe(0);
        row.Error.ShouldNotBeNull().ShouldContain("HTTP 503");
    }

    [Fact]
    public async Task GetResponse_5xxBurst_OpensBreakerThenHalfOpenRecovers()
    {
        await using var harness = await ModelHarness.StartAsync(NoFallback);
        var pipelines = harness.Services.GetRequiredService<ModelResiliencePipelines>();
        harness.Server.Chat.Enqueue(5, () => ScriptedResponse.Error(500));

        // Call 1: 4 failed attempts. Call 2: the 5th consecutive failure opens the breaker; its retries are refused.
        await Should.ThrowAsync<ModelCallException>(() => harness.RunAsync(harness.Chat.GetResponseAsync(ModelHarness.Ask("one"))));
        var second = await Should.ThrowAsync<ModelCallException>(() => harness.RunAsync(harness.Chat.GetResponseAsync(ModelHarness.Ask("two"))));
        second.Kind.ShouldBe(ModelFailureKind.CircuitOpen);
        harness.Server.Count("chat").ShouldBe(5);
        pipelines.GetCircuitState("primary").ShouldBe(CircuitState.Open);

        // While open, calls fail fast without a request.
        var third = await Should.ThrowAsync<ModelCallException>(() => harness.Chat.GetResponseAsync(ModelHarness.Ask("three")));
        third.Kind.ShouldBe(ModelFailureKind.CircuitOpen);
        third.Message.ShouldContain("circuit open");
        harness.Server.Count("chat").ShouldBe(5);

        // After the 30 s break, one trial call goes through, succeeds, and closes the breaker.
        var openedAt = harness.Server.Requests[4].ReceivedAt;
        harness.Clock.Advance(openedAt + TimeSpan.FromSeconds(29) - harness.Clock.GetUtcNow());
        (await Should.ThrowAsync<ModelCallException>(() => harness.Chat.GetResponseAsync(ModelHarness.Ask("still open")))).Kind.ShouldBe(ModelFailureKind.CircuitOpen);
        harness.Clock.Advance(TimeSpan.FromSeconds(1));
        (await harness.Chat.GetResponseAsync(ModelHarness.Ask("four"))).Text.ShouldBe("Echo: four");
        pipelines.GetCircuitState("primary").ShouldBe(CircuitState.Closed);
        harness.Server.Count("chat").ShouldBe(6);
        harness.Logs.All.ShouldContain("circuit opened");
    }

    [Fact]
    public async Task GetResponse_BreakerIsPerProfile_CheapStillAnswersWhilePrimaryIsOpen()
    {
        await using var harness = await ModelHarness.StartAsync(NoFallback);
        harness.Server.Chat.Enqueue(5, () => ScriptedResponse.Error(502), model: "gpt-primary");
        await Should.ThrowAsync<ModelCallException>(() => harness.RunAsync(harness.Chat.GetResponseAsync(ModelHarness.Ask("one"))));
        await Should.ThrowAsync<ModelCallException>(() => harness.RunAsync(harness.Chat.GetResponseAsync(ModelHarness.Ask("two"))));

        var cheap = await harness.Chat.GetResponseAsync(ModelHarness.Ask("cheap"), new ChatOptions().WithProfile("cheap"));

        cheap.Text.ShouldBe("Echo: cheap");
        harness.Services.GetRequiredService<ModelResiliencePipelines>().GetCircuitState("cheap").ShouldBe(CircuitState.Closed);
    }

    [Fact]
    public async Task GetResponse_AttemptTimesOut_CancelsItAndRetries()
    {
        await using var harness = await ModelHarness.StartAsync(NoFallback);
        var held = harness.Server.Chat.Enqueue(ScriptedResponse.Held(ScriptedResponse.Reply("too late")));

        var call = harness.Chat.GetResponseAsync(ModelHarness.Ask("slow"));
        await held.Received;
        harness.Clock.Advance(TimeSpan.FromSeconds(60));
        var response = await harness.RunAsync(call);

        response.Text.ShouldBe("Echo: slow");
        harness.Server.Count("chat").ShouldBe(2);
        harness.Logs.All.ShouldContain("did not answer within 60 s (AgentRag:Models:Profiles:primary:Timeout)");
    }

    [Fact]
    public async Task GetResponse_NonTransient404_IsNotRetried()
    {
        await using var harness = await ModelHarness.StartAsync(NoFallback, server => server.KnownModels.Add("gpt-cheap"));

        var error = await Should.ThrowAsync<ModelCallException>(() => harness.Chat.GetResponseAsync(ModelHarness.Ask("hello")));

        error.Kind.ShouldBe(ModelFailureKind.ModelNotFound);
        harness.Server.Count("chat").ShouldBe(1);
    }

    [Fact]
    public async Task GetStreamingResponse_503BeforeFirstChunk_IsRetried()
    {
        await using var harness = await ModelHarness.StartAsync(NoFallback);
        harness.Server.Chat.Enqueue(ScriptedResponse.Error(503));

        var response = await harness.RunAsync(harness.Chat.GetStreamingResponseAsync(ModelHarness.Ask("stream me")).ToChatResponseAsync());

        response.Text.ShouldBe("Echo: stream me");
        harness.Server.Count("chat").ShouldBe(2);
    }
}
