using AgentRag.Core;
using AgentRag.Core.Search;
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

        // Past the memory tier's TTL, the persistent tier still has it: no third request.
        harness.Clock.Advance(TimeSpan.FromHours(24));
        var later = await harness.Embeddings.GenerateAsync(["alpha"]);
        harness.Server.Count("embeddings").ShouldBe(2);
        later[0].Vector.ToArray().ShouldBe(first[0].Vector.ToArray());
    }

    [Fact]
    public async Task GenerateEmbeddings_MemoryTierInvalidated_IsServedFromThePersistentTier()
    {
        await using var harness = await ModelHarness.StartAsync();
        var caches = harness.Services.GetRequiredService<ModelCaches>();
        var persistent = harness.Services.GetRequiredService<IEmbeddingCache>();
        var first = await harness.Embeddings.GenerateAsync(["alpha"]);

        caches.InvalidateEmbeddings().ShouldBe(1);
        var second = await harness.Embeddings.GenerateAsync(["alpha"]);

        harness.Server.Count("embeddings").ShouldBe(1);
        second[0].Vector.ToArray().ShouldBe(first[0].Vector.ToArray());
        (await persistent.CountAsync(EmbeddingCacheScope.ForTenant(Tenancy.DefaultTenant), "embed-small")).ShouldBe(1);
        (await harness.UsageRowsAsync()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task GenerateEmbeddings_OtherTenantOrDatasetScope_IsEmbeddedAgainAndCachedApart()
    {
        await using var harness = await ModelHarness.StartAsync();
        var persistent = harness.Services.GetRequiredService<IEmbeddingCache>();
        var dataset = EmbeddingCacheScope.ForDataset("toy", new string('0', 64));
        var tenantB = new EmbeddingGenerationOptions().WithContext(new ModelCallContext { TenantId = "tenant-b" });

        await harness.Embeddings.GenerateAsync(["alpha"]);
        await harness.Embeddings.GenerateAsync(["alpha"], tenantB);
        await harness.Embeddings.GenerateAsync(["alpha"], new EmbeddingGenerationOptions().WithCacheScope(dataset));
        await harness.Embeddings.GenerateAsync(["alpha"], tenantB.WithCacheScope(dataset));

        harness.Server.Count("embeddings").ShouldBe(3);
        (await persistent.CountAsync(EmbeddingCacheScope.ForTenant("tenant-b"))).ShouldBe(1);
        (await persistent.CountAsync(dataset)).ShouldBe(1);
    }

    [Fact]
    public async Task GenerateEmbeddings_PersistentEntryFromAnEarlierProcess_IsAHitWithNoModelCall()
    {
        await using var harness = await ModelHarness.StartAsync();
        var persistent = harness.Services.GetRequiredService<IEmbeddingCache>();
        await persistent.PutManyAsync(EmbeddingCacheScope.ForTenant(Tenancy.DefaultTenant), "embed-small",
            [new CachedEmbedding(EmbeddingCacheScope.HashText("stored earlier"), [0.6f, 0.8f])]);

        var result = await harness.Embeddings.GenerateAsync(["stored earlier", "new"]);

        result[0].Vector.ToArray().ShouldBe([0.6f, 0.8f]);
        harness.Server.Requests.Single().Json!["input"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe(["new"]);
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
