using AgentRag.Models.Caching;
using AgentRag.Models.Calls;
using AgentRag.TestKit.OpenAi;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Models.Tests;

public sealed class CachingTests
{
    [Fact]
    public async Task GenerateEmbeddings_RepeatedTexts_AreServedFromCacheUntilTheTtlEnds()
    {
        await using var harness = await ModelHarness.StartAsync();
        var caches = harness.Services.GetRequiredService<ModelCaches>();

        var first = await harness.Embeddings.GenerateAsync(["alpha", "beta", "alpha"]);
        var second = await harness.Embeddings.GenerateAsync(["beta", "gamma", "alpha"]);

        harness.Server.Requests.Select(r => r.Json!["input"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray())
            .ShouldBe([["alpha", "beta"], ["gamma"]]);
        first[2].Vector.ToArray().ShouldBe(first[0].Vector.ToArray());
        second[0].Vector.ToArray().ShouldBe(first[1].Vector.ToArray());
        second[1].Vector.ToArray().ShouldBe(OpenAiTestServer.VectorFor("gamma", harness.Server.EmbeddingDimensions));
        var stats = caches.Statistics.Single(s => s.Cache == "embedding");
        // First call: three misses (the repeated "alpha" is sent once); second: two hits and one miss.
        (stats.Hits, stats.Misses).ShouldBe((2L, 4L));
        stats.HitRate.ShouldBe(1.0 / 3);
        (await harness.UsageRowsAsync()).Count.ShouldBe(2);

        harness.Clock.Advance(TimeSpan.FromHours(24));
        await harness.Embeddings.GenerateAsync(["alpha"]);
        harness.Server.Count("embeddings").ShouldBe(3);
    }

    [Fact]
    public async Task GenerateEmbeddings_AfterInvalidation_CallsTheModelAgain()
    {
        await using var harness = await ModelHarness.StartAsync();
        var caches = harness.Services.GetRequiredService<ModelCaches>();
        await harness.Embeddings.GenerateAsync(["alpha"]);

        caches.InvalidateEmbeddings().ShouldBe(1);
        await harness.Embeddings.GenerateAsync(["alpha"]);

        harness.Server.Count("embeddings").ShouldBe(2);
    }

    [Fact]
    public async Task GetResponse_ResponseCacheOffByDefault_EveryCallReachesTheModel()
    {
        await using var harness = await ModelHarness.StartAsync();

        await harness.Chat.GetResponseAsync(ModelHarness.Ask("same"));
        await harness.Chat.GetResponseAsync(ModelHarness.Ask("same"));

        harness.Server.Count("chat").ShouldBe(2);
    }

    [Fact]
    public async Task GetResponse_ResponseCacheOn_IdenticalCallIsAHitPerTenantAndInvalidates()
    {
        await using var harness = await ModelHarness.StartAsync(settings => settings["AgentRag:Models:Cache:Responses:Enabled"] = "true");
        var caches = harness.Services.GetRequiredService<ModelCaches>();
        var options = new ChatOptions { Temperature = 0 };

        var first = await harness.Chat.GetResponseAsync(ModelHarness.Ask("same"), options);
        var second = await harness.Chat.GetResponseAsync(ModelHarness.Ask("same"), options);
        var streamed = await harness.Chat.GetStreamingResponseAsync(ModelHarness.Ask("same"), options).ToChatResponseAsync();
        await harness.Chat.GetResponseAsync(ModelHarness.Ask("same"), new ChatOptions { Temperature = 0.7f });
        await harness.Chat.GetResponseAsync(ModelHarness.Ask("same"), options.WithContext(new ModelCallContext { TenantId = "other" }));

        second.Text.ShouldBe(first.Text);
        second.AdditionalProperties![ModelCallOptions.CacheHitKey].ShouldBe(true);
        streamed.Text.ShouldBe(first.Text);
        harness.Server.Count("chat").ShouldBe(3);
        (await harness.UsageRowsAsync()).Count.ShouldBe(3);

        caches.InvalidateResponses("default").ShouldBe(2);
        await harness.Chat.GetResponseAsync(ModelHarness.Ask("same"), options);
        harness.Server.Count("chat").ShouldBe(4);
    }
}
