using AgentRag.Core.Search;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="IVectorStore"/>: per-tenant cosine search best first, one embedding model per tenant,
/// input checks that change nothing, replace and remove per document, document filters, durability across a restart,
/// changes of another instance after a refresh, and a tenant's erasure.
/// </summary>
public abstract class VectorStoreContract : BackendContract
{
    private const string Model = "embed-small";

    private IVectorStore Store => Get<IVectorStore>();

    [Fact]
    public async Task SearchAsync_ReturnsTheMostSimilarChunksBestFirstWithTheirCosine()
    {
        await Store.ReplaceDocumentAsync(TenantA, "doc_1", Model, [("chk_x", [1, 0, 0]), ("chk_xy", [1, 1, 0])]);
        await Store.ReplaceDocumentAsync(TenantA, "doc_2", Model, [("chk_z", [0, 0, 1])]);

        var hits = await Store.SearchAsync(TenantA, Model, new float[] { 1, 0.1f, 0 }, 2);

        hits.Select(h => (h.ChunkId, h.DocumentId)).ShouldBe([("chk_x", "doc_1"), ("chk_xy", "doc_1")]);
        hits[0].Score.ShouldBe(1 / MathF.Sqrt(1.01f), 1e-4f);
        hits[1].Score.ShouldBe(1.1f / (MathF.Sqrt(2) * MathF.Sqrt(1.01f)), 1e-4f);
        (await Store.GetInfoAsync(TenantA)).ShouldSatisfyAllConditions(
            i => i.Model.ShouldBe(Model), i => i.Dimensions.ShouldBe(3), i => i.Vectors.ShouldBe(3), i => i.Documents.ShouldBe(2));
    }

    [Fact]
    public async Task SearchAsync_OtherTenant_NeverSeesTheVectors()
    {
        await Store.ReplaceDocumentAsync(TenantA, "doc_1", Model, [("chk_x", [1, 0, 0])]);

        (await Store.SearchAsync(TenantB, Model, new float[] { 1, 0, 0 }, 5)).ShouldBeEmpty();
        (await Store.GetInfoAsync(TenantB)).ShouldSatisfyAllConditions(i => i.Model.ShouldBeNull(), i => i.Vectors.ShouldBe(0));
    }

    [Fact]
    public async Task SearchAsync_AllowedDocuments_RestrictsTheHits()
    {
        await Store.ReplaceDocumentAsync(TenantA, "doc_1", Model, [("chk_x", [1, 0, 0])]);
        await Store.ReplaceDocumentAsync(TenantA, "doc_2", Model, [("chk_y", [0.9f, 0.1f, 0])]);

        (await Store.SearchAsync(TenantA, Model, new float[] { 1, 0, 0 }, 5, new HashSet<string> { "doc_2" }))
            .Select(h => h.ChunkId).ShouldBe(["chk_y"]);
        (await Store.SearchAsync(TenantA, Model, new float[] { 1, 0, 0 }, 5, new HashSet<string>())).ShouldBeEmpty();
    }

    [Fact]
    public async Task SearchAsync_OtherModelOrDimensions_ThrowsModelMismatch()
    {
        await Store.ReplaceDocumentAsync(TenantA, "doc_1", Model, [("chk_x", [1, 0, 0])]);

        await Should.ThrowAsync<VectorModelMismatchException>(() => Store.SearchAsync(TenantA, "embed-large", new float[] { 1, 0, 0 }, 5));
        await Should.ThrowAsync<VectorModelMismatchException>(() => Store.SearchAsync(TenantA, Model, new float[] { 1, 0, 0, 0 }, 5));
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Store.SearchAsync(TenantA, Model, new float[] { 1, 0, 0 }, 0));
    }

    [Fact]
    public async Task ReplaceDocumentAsync_AnotherModel_DiscardsTheTenantsOlderVectors()
    {
        await Store.ReplaceDocumentAsync(TenantA, "doc_1", Model, [("chk_x", [1, 0, 0])]);

        await Store.ReplaceDocumentAsync(TenantA, "doc_2", "embed-large", [("chk_y", [0, 1, 0, 0])]);

        var info = await Store.GetInfoAsync(TenantA);
        (info.Model, info.Dimensions, info.Vectors, info.Documents).ShouldBe(("embed-large", 4, 1, 1));
        (await Store.SearchAsync(TenantA, "embed-large", new float[] { 1, 0, 0, 0 }, 5)).Select(h => h.ChunkId).ShouldBe(["chk_y"]);
    }

    [Fact]
    public async Task ReplaceDocumentAsync_BadVectors_ThrowsArgumentExceptionAndChangesNothing()
    {
        await Store.ReplaceDocumentAsync(TenantA, "doc_1", Model, [("chk_x", [1, 0, 0])]);

        await Should.ThrowAsync<ArgumentException>(() => Store.ReplaceDocumentAsync(TenantA, "doc_1", Model, [("chk_a", [1, 0, 0]), ("chk_b", [1, 0])]));
        await Should.ThrowAsync<ArgumentException>(() => Store.ReplaceDocumentAsync(TenantA, "doc_1", Model, [("chk_a", [float.NaN, 0, 0])]));
        await Should.ThrowAsync<ArgumentException>(() => Store.ReplaceDocumentAsync(TenantA, "doc_1", Model, [("chk_a", [0, 0, 0])]));

        (await Store.SearchAsync(TenantA, Model, new float[] { 1, 0, 0 }, 5)).Select(h => h.ChunkId).ShouldBe(["chk_x"]);
    }

    [Fact]
    public async Task ReplaceAndRemove_PerDocument_AreIdempotentAndTakeEffectForTheNextSearch()
    {
        await Store.ReplaceDocumentAsync(TenantA, "doc_1", Model, [("chk_x", [1, 0, 0])]);
        await Store.ReplaceDocumentAsync(TenantA, "doc_1", Model, [("chk_x2", [0, 1, 0])]);
        await Store.ReplaceDocumentAsync(TenantA, "doc_1", Model, [("chk_x2", [0, 1, 0])]);
        await Store.ReplaceDocumentAsync(TenantA, "doc_2", Model, [("chk_z", [0, 0, 1])]);

        (await Store.SearchAsync(TenantA, Model, new float[] { 1, 0.01f, 0.01f }, 5)).Select(h => h.ChunkId).ShouldBe(["chk_x2", "chk_z"], ignoreOrder: true);

        await Store.RemoveDocumentAsync(TenantA, "doc_1");
        await Store.RemoveDocumentAsync(TenantA, "doc_1");

        (await Store.SearchAsync(TenantA, Model, new float[] { 0, 1, 0 }, 5)).Select(h => h.ChunkId).ShouldBe(["chk_z"]);
    }

    [Fact]
    public async Task ReplaceDocumentAsync_IsDurableAcrossARestartAndSeenByAnotherInstanceAfterRefresh()
    {
        var other = OpenSecondInstance().GetRequiredService<IVectorStore>();
        (await other.SearchAsync(TenantA, Model, new float[] { 1, 0, 0 }, 5)).ShouldBeEmpty();

        await Store.ReplaceDocumentAsync(TenantA, "doc_1", Model, [("chk_x", [1, 0, 0])]);
        await other.RefreshAsync(TenantA);
        (await other.SearchAsync(TenantA, Model, new float[] { 1, 0, 0 }, 5)).Select(h => h.ChunkId).ShouldBe(["chk_x"]);

        await ReopenAsync();
        (await Store.SearchAsync(TenantA, Model, new float[] { 1, 0, 0 }, 5)).Select(h => h.ChunkId).ShouldBe(["chk_x"]);
    }

    [Fact]
    public async Task EraseTenantAsync_DropsThatTenantOnlyAndIsIdempotent()
    {
        await Store.ReplaceDocumentAsync(TenantA, "doc_1", Model, [("chk_x", [1, 0, 0])]);
        await Store.ReplaceDocumentAsync(TenantB, "doc_1", Model, [("chk_x", [1, 0, 0])]);

        await Store.EraseTenantAsync(TenantA);
        await Store.EraseTenantAsync(TenantA);
        await ReopenAsync();

        (await Store.SearchAsync(TenantA, Model, new float[] { 1, 0, 0 }, 5)).ShouldBeEmpty();
        (await Store.SearchAsync(TenantB, Model, new float[] { 1, 0, 0 }, 5)).Count.ShouldBe(1);
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("has space")]
    public async Task EveryMethod_InvalidTenantId_ThrowsArgumentException(string tenantId)
    {
        await Should.ThrowAsync<ArgumentException>(() => Store.ReplaceDocumentAsync(tenantId, "doc_1", Model, [("chk_x", [1, 0, 0])]));
        await Should.ThrowAsync<ArgumentException>(() => Store.SearchAsync(tenantId, Model, new float[] { 1, 0, 0 }, 5));
        await Should.ThrowAsync<ArgumentException>(() => Store.GetInfoAsync(tenantId));
        await Should.ThrowAsync<ArgumentException>(() => Store.EraseTenantAsync(tenantId));
    }
}
