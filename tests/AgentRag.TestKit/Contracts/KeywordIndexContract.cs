using AgentRag.Core.Search;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="IKeywordIndex"/>: per-tenant BM25 search best first, replace and remove per document,
/// document filters, durability across a restart, changes of another instance after a refresh, and a tenant's erasure.
/// </summary>
public abstract class KeywordIndexContract : BackendContract
{
    private static readonly IReadOnlyList<(string ChunkId, string Text)> Lighthouse =
    [
        ("chk_l0", "The lighthouse keeper climbed the spiral stairs every evening to light the lamp."),
        ("chk_l1", "Ships passing the rocky coast relied on the lighthouse beam during storms."),
    ];

    private static readonly IReadOnlyList<(string ChunkId, string Text)> Bakery =
    [
        ("chk_b0", "The bakery opens at dawn and sells sourdough bread and rye loaves."),
        ("chk_b1", "Fresh bread from the bakery is delivered to the harbour cafe each morning."),
    ];

    private IKeywordIndex Index => Get<IKeywordIndex>();

    [Fact]
    public async Task SearchAsync_IndexedDocuments_ReturnsMatchingChunksBestFirst()
    {
        await Index.ReplaceDocumentAsync(TenantA, "doc_light", Lighthouse);
        await Index.ReplaceDocumentAsync(TenantA, "doc_bake", Bakery);

        var hits = await Index.SearchAsync(TenantA, new TermNode("lighthouse", 0), 10);

        hits.Select(h => h.ChunkId).ShouldBe(["chk_l0", "chk_l1"], ignoreOrder: true);
        hits.ShouldAllBe(h => h.DocumentId == "doc_light" && h.Score > 0);
        hits.Select(h => h.Score).ShouldBeInOrder(SortDirection.Descending);
        (await Index.SearchAsync(TenantA, new TermNode("bread", 0), 1)).ShouldHaveSingleItem().DocumentId.ShouldBe("doc_bake");
        (await Index.GetInfoAsync(TenantA)).ShouldBe(new KeywordIndexInfo(4));
    }

    [Fact]
    public async Task SearchAsync_OtherTenant_NeverSeesTheChunks()
    {
        await Index.ReplaceDocumentAsync(TenantA, "doc_light", Lighthouse);
        await Index.ReplaceDocumentAsync(TenantB, "doc_bake", Bakery);

        (await Index.SearchAsync(TenantB, new TermNode("lighthouse", 0), 10)).ShouldBeEmpty();
        (await Index.SearchAsync(TenantA, new TermNode("bread", 0), 10)).ShouldBeEmpty();
        (await Index.GetInfoAsync(TenantB)).ShouldBe(new KeywordIndexInfo(2));
        (await Index.GetInfoAsync("tenant-none")).ShouldBe(new KeywordIndexInfo(0));
    }

    [Fact]
    public async Task SearchAsync_BooleanAndPhraseQueries_FollowLuceneSemantics()
    {
        await Index.ReplaceDocumentAsync(TenantA, "doc_light", Lighthouse);
        await Index.ReplaceDocumentAsync(TenantA, "doc_bake", Bakery);

        var breadNotHarbour = new BooleanNode([new(Occur.Must, new TermNode("bread", 0)), new(Occur.MustNot, new TermNode("harbour", 6))], 0);
        (await Index.SearchAsync(TenantA, breadNotHarbour, 10)).Select(h => h.ChunkId).ShouldBe(["chk_b0"]);

        (await Index.SearchAsync(TenantA, new PhraseNode("spiral stairs", 0), 10)).Select(h => h.ChunkId).ShouldBe(["chk_l0"]);
        (await Index.SearchAsync(TenantA, new PhraseNode("stairs spiral", 0), 10)).ShouldBeEmpty();
    }

    [Fact]
    public async Task SearchAsync_AllowedDocuments_RestrictsTheHitsAndEmptyAllowsNone()
    {
        await Index.ReplaceDocumentAsync(TenantA, "doc_light", Lighthouse);
        await Index.ReplaceDocumentAsync(TenantA, "doc_bake", Bakery);
        var query = new BooleanNode([new(Occur.Should, new TermNode("lighthouse", 0)), new(Occur.Should, new TermNode("bread", 11))], 0);

        (await Index.SearchAsync(TenantA, query, 10, new HashSet<string> { "doc_bake" })).ShouldAllBe(h => h.DocumentId == "doc_bake");
        (await Index.SearchAsync(TenantA, query, 10, new HashSet<string>())).ShouldBeEmpty();
        (await Index.SearchAsync(TenantA, null, 10)).ShouldBeEmpty();
    }

    [Fact]
    public async Task SearchAsync_NonPositiveK_ThrowsArgumentOutOfRange()
    {
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Index.SearchAsync(TenantA, new TermNode("bread", 0), 0));
    }

    [Fact]
    public async Task ReplaceDocumentAsync_Again_ReplacesItsChunksAndNoneRemovesThem()
    {
        await Index.ReplaceDocumentAsync(TenantA, "doc_light", Lighthouse);

        await Index.ReplaceDocumentAsync(TenantA, "doc_light", [("chk_l9", "A lighthouse painted red and white.")]);
        (await Index.SearchAsync(TenantA, new TermNode("lighthouse", 0), 10)).Select(h => h.ChunkId).ShouldBe(["chk_l9"]);

        await Index.ReplaceDocumentAsync(TenantA, "doc_light", []);
        (await Index.SearchAsync(TenantA, new TermNode("lighthouse", 0), 10)).ShouldBeEmpty();
        (await Index.GetInfoAsync(TenantA)).ShouldBe(new KeywordIndexInfo(0));
    }

    [Fact]
    public async Task RemoveDocumentAsync_TakesEffectForTheNextSearchAndIsIdempotent()
    {
        await Index.ReplaceDocumentAsync(TenantA, "doc_light", Lighthouse);
        await Index.ReplaceDocumentAsync(TenantA, "doc_bake", Bakery);

        await Index.RemoveDocumentAsync(TenantA, "doc_light");
        await Index.RemoveDocumentAsync(TenantA, "doc_light");
        await Index.RemoveDocumentAsync(TenantA, "doc_unknown");

        (await Index.SearchAsync(TenantA, new TermNode("lighthouse", 0), 10)).ShouldBeEmpty();
        (await Index.GetInfoAsync(TenantA)).ShouldBe(new KeywordIndexInfo(2));
    }

    [Fact]
    public async Task ReplaceDocumentAsync_IsDurableAcrossARestart()
    {
        await Index.ReplaceDocumentAsync(TenantA, "doc_light", Lighthouse);
        await Index.ReplaceDocumentAsync(TenantA, "doc_bake", Bakery);
        await Index.RemoveDocumentAsync(TenantA, "doc_bake");

        await ReopenAsync();

        (await Index.SearchAsync(TenantA, new TermNode("lighthouse", 0), 10)).Count.ShouldBe(2);
        (await Index.SearchAsync(TenantA, new TermNode("bread", 0), 10)).ShouldBeEmpty();
    }

    [Fact]
    public async Task RefreshAsync_AfterAnotherInstanceWrote_SeesItsChanges()
    {
        await Index.ReplaceDocumentAsync(TenantA, "doc_light", Lighthouse);
        var other = OpenSecondInstance().GetRequiredService<IKeywordIndex>();
        (await other.SearchAsync(TenantA, new TermNode("lighthouse", 0), 10)).Count.ShouldBe(2);

        await Index.ReplaceDocumentAsync(TenantA, "doc_bake", Bakery);
        await other.RefreshAsync(TenantA);

        (await other.SearchAsync(TenantA, new TermNode("bread", 0), 10)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task GetScoreBoundAsync_IsPositiveForIndexedTermsAndZeroForAnEmptyTenant()
    {
        await Index.ReplaceDocumentAsync(TenantA, "doc_light", Lighthouse);
        await Index.ReplaceDocumentAsync(TenantA, "doc_bake", Bakery);

        var bound = await Index.GetScoreBoundAsync(TenantA, "lighthouse bread");

        bound.ShouldBeGreaterThan(0);
        (await Index.SearchAsync(TenantA, new TermNode("lighthouse", 0), 1))[0].Score.ShouldBeLessThanOrEqualTo((float)(bound * 10));
        (await Index.GetScoreBoundAsync(TenantB, "lighthouse")).ShouldBe(0);
    }

    [Fact]
    public async Task EraseTenantAsync_DropsThatTenantOnlyAndIsIdempotent()
    {
        await Index.ReplaceDocumentAsync(TenantA, "doc_light", Lighthouse);
        await Index.ReplaceDocumentAsync(TenantB, "doc_light", Lighthouse);

        await Index.EraseTenantAsync(TenantA);
        await Index.EraseTenantAsync(TenantA);
        await ReopenAsync();

        (await Index.SearchAsync(TenantA, new TermNode("lighthouse", 0), 10)).ShouldBeEmpty();
        (await Index.GetInfoAsync(TenantA)).ShouldBe(new KeywordIndexInfo(0));
        (await Index.SearchAsync(TenantB, new TermNode("lighthouse", 0), 10)).Count.ShouldBe(2);
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("has space")]
    public async Task EveryMethod_InvalidTenantId_ThrowsArgumentException(string tenantId)
    {
        await Should.ThrowAsync<ArgumentException>(() => Index.ReplaceDocumentAsync(tenantId, "doc_1", Lighthouse));
        await Should.ThrowAsync<ArgumentException>(() => Index.SearchAsync(tenantId, new TermNode("x", 0), 10));
        await Should.ThrowAsync<ArgumentException>(() => Index.GetInfoAsync(tenantId));
        await Should.ThrowAsync<ArgumentException>(() => Index.EraseTenantAsync(tenantId));
    }
}
