using AgentRag.Core.Search;
using AgentRag.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="IEmbeddingCache"/>: vectors come back bit for bit by scope, model and text hash; scopes
/// (tenants, datasets) and models never see each other's entries; entries survive a restart and are shared by two
/// instances over one backend; a tenant's erasure (<see cref="ITenantDataStore"/>) removes its entries and no one else's.
/// </summary>
public abstract class EmbeddingCacheContract : BackendContract
{
    private const string Model = "test-embedding-1";

    private IEmbeddingCache Cache => Get<IEmbeddingCache>();

    private static readonly EmbeddingCacheScope ScopeA = EmbeddingCacheScope.ForTenant(TenantA);
    private static readonly EmbeddingCacheScope ScopeB = EmbeddingCacheScope.ForTenant(TenantB);
    private static readonly EmbeddingCacheScope Dataset = EmbeddingCacheScope.ForDataset("toy", new string('a', 64));

    [Fact]
    public async Task GetManyAsync_AfterPut_ReturnsTheExactVectorsOfTheHashesStoredAndNoOthers()
    {
        var first = Entry("the first text", 0.25f, -1.5f, float.Epsilon);
        var second = Entry("the second text", 3f, 4f, 5f);
        await Cache.PutManyAsync(ScopeA, Model, [first, second]);

        var found = await Cache.GetManyAsync(ScopeA, Model, [first.TextHash, second.TextHash, EmbeddingCacheScope.HashText("never stored")]);

        found.Count.ShouldBe(2);
        found[first.TextHash].ShouldBe(first.Vector);
        found[second.TextHash].ShouldBe(second.Vector);
        (await Cache.CountAsync(ScopeA)).ShouldBe(2);
        (await Cache.CountAsync(ScopeA, Model)).ShouldBe(2);
        (await Cache.CountAsync(ScopeA, "another-model")).ShouldBe(0);
    }

    [Fact]
    public async Task GetManyAsync_OtherScopeOrModel_FindsNothing()
    {
        var entry = Entry("shared words", 1f, 2f);
        await Cache.PutManyAsync(ScopeA, Model, [entry]);

        (await Cache.GetManyAsync(ScopeB, Model, [entry.TextHash])).ShouldBeEmpty();
        (await Cache.GetManyAsync(Dataset, Model, [entry.TextHash])).ShouldBeEmpty();
        (await Cache.GetManyAsync(ScopeA, "another-model", [entry.TextHash])).ShouldBeEmpty();
    }

    [Fact]
    public async Task PutManyAsync_SameHashTwice_KeepsOneEntryWithTheLatestVector()
    {
        var hash = EmbeddingCacheScope.HashText("re-embedded");
        await Cache.PutManyAsync(ScopeA, Model, [new CachedEmbedding(hash, [1f, 1f])]);
        await Cache.PutManyAsync(ScopeA, Model, [new CachedEmbedding(hash, [2f, 2f, 2f])]);

        (await Cache.GetManyAsync(ScopeA, Model, [hash]))[hash].ShouldBe([2f, 2f, 2f]);
        (await Cache.CountAsync(ScopeA)).ShouldBe(1);
    }

    [Fact]
    public async Task PutManyAsync_BadEntry_ThrowsAndStoresNothing()
    {
        var good = Entry("good", 1f);

        await Should.ThrowAsync<ArgumentException>(() => Cache.PutManyAsync(ScopeA, Model, [good, new CachedEmbedding("not-a-hash", [1f])]));
        await Should.ThrowAsync<ArgumentException>(() => Cache.PutManyAsync(ScopeA, Model, [good, new CachedEmbedding(EmbeddingCacheScope.HashText("x"), [])]));
        await Should.ThrowAsync<ArgumentException>(() => Cache.PutManyAsync(ScopeA, "", [good]));

        (await Cache.CountAsync(ScopeA)).ShouldBe(0);
    }

    [Fact]
    public async Task GetManyAsync_ManyHashes_ReturnsEveryStoredOne()
    {
        var entries = Enumerable.Range(0, 1_200).Select(i => Entry($"text {i}", i, i + 1)).ToList();
        await Cache.PutManyAsync(Dataset, Model, entries);

        var found = await Cache.GetManyAsync(Dataset, Model, [.. entries.Select(e => e.TextHash)]);

        found.Count.ShouldBe(1_200);
        found[entries[777].TextHash].ShouldBe([777f, 778f]);
    }

    [Fact]
    public async Task Entries_AfterRestartAndFromASecondInstance_AreThere()
    {
        var entry = Entry("durable", 0.5f, 0.5f);
        await Cache.PutManyAsync(ScopeA, Model, [entry]);

        await ReopenAsync();
        var other = OpenSecondInstance().GetRequiredService<IEmbeddingCache>();

        (await Cache.GetManyAsync(ScopeA, Model, [entry.TextHash]))[entry.TextHash].ShouldBe(entry.Vector);
        (await other.GetManyAsync(ScopeA, Model, [entry.TextHash]))[entry.TextHash].ShouldBe(entry.Vector);
    }

    [Fact]
    public async Task TenantErasure_RemovesTheTenantsEntriesAndKeepsOtherTenantsAndDatasets()
    {
        var entry = Entry("erased with the tenant", 1f, 2f);
        await Cache.PutManyAsync(ScopeA, Model, [entry]);
        await Cache.PutManyAsync(ScopeB, Model, [entry]);
        await Cache.PutManyAsync(Dataset, Model, [entry]);

        await Get<ITenantDataStore>().EraseAsync(TenantA);

        (await Cache.CountAsync(ScopeA)).ShouldBe(0);
        (await Cache.GetManyAsync(ScopeA, Model, [entry.TextHash])).ShouldBeEmpty();
        (await Cache.CountAsync(ScopeB)).ShouldBe(1);
        (await Cache.CountAsync(Dataset)).ShouldBe(1);
    }

    [Fact]
    public void Scopes_InvalidTenantOrDataset_ThrowArgumentException()
    {
        Should.Throw<ArgumentException>(() => EmbeddingCacheScope.ForTenant("has space"));
        Should.Throw<ArgumentException>(() => EmbeddingCacheScope.ForDataset("sci:fact", "abc"));
        Should.Throw<ArgumentException>(() => EmbeddingCacheScope.ForDataset("scifact", ""));
        Dataset.IsTenant.ShouldBeFalse();
        ScopeA.IsTenant.ShouldBeTrue();
    }

    private static CachedEmbedding Entry(string text, params float[] vector) => new(EmbeddingCacheScope.HashText(text), vector);
}
