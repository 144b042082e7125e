using System.Numerics.Tensors;
using AgentRag.Core.Documents;
using AgentRag.Models.Configuration;
using AgentRag.Models.Local;
using AgentRag.Retrieval.Search;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Retrieval.Tests.EndToEnd;

/// <summary>
/// Semantic search with the in-process embedding model (no network, no configuration but the provider), through the
/// product's composition root.
/// </summary>
public sealed class LocalEmbeddingSearchTests : IDisposable
{
    private const string Tenant = "semantic-t";
    private readonly TempDirectory _data = new("agentrag-local-embeddings");

    private static readonly (string Name, string Text)[] Files =
    [
        ("engines.txt", "Automobiles need regular oil changes to keep their engines running smoothly."),
        ("bread.txt", "Bake the loaf at a high temperature until the crust turns golden brown."),
        ("rest.txt", "Adults who rest fewer than six hours each night face greater risk of heart disease."),
    ];

    // No word of this query, stemmed, occurs in any file: only its meaning leads to rest.txt.
    private const string Paraphrase = "insufficient slumber harms cardiovascular health";

    public void Dispose() => _data.Dispose();

    private static Dictionary<string, string?> Local(string model = "minilm") => new()
    {
        [EmbeddingTestSettings.ProviderKey] = "local",
        ["AgentRag:Embeddings:LocalModel"] = model,
    };

    private static async Task IngestAllAsync(ProductHarness product)
    {
        foreach (var (name, text) in Files)
        {
            var (document, _) = await product.IngestTextAsync(Tenant, name, text);
            document.Status.ShouldBe(DocumentStatus.Ready, document.Error);
        }
    }

    [Fact]
    public async Task Search_ParaphraseSharingNoKeyword_HybridFindsItsPassageFirstAndSaysSo()
    {
        await using var product = ProductHarness.Start(_data.Path, Local());
        await IngestAllAsync(product);

        var keywords = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = Paraphrase, Mode = SearchMode.Bm25 });
        var hybrid = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = Paraphrase });

        keywords.Hits.ShouldBeEmpty();
        keywords.Mode.ShouldBe("bm25");
        hybrid.Mode.ShouldBe("hybrid");
        hybrid.Modes.ShouldBe(["bm25", "dense"]);
        hybrid.Warnings.ShouldBeEmpty();
        hybrid.Hits[0].DocumentName.ShouldBe("rest.txt");
    }

    [Fact]
    public async Task Search_NoVectorsYet_HybridRunsBm25AloneLabelledSoWithoutEmbeddingTheQuery()
    {
        await using (var keywordOnly = ProductHarness.Start(_data.Path, new Dictionary<string, string?> { [EmbeddingTestSettings.ProviderKey] = "none" }))
        {
            await IngestAllAsync(keywordOnly);
        }

        await using var product = ProductHarness.Start(_data.Path, Local());
        var hybrid = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = "heart disease risk" });
        var dense = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = "heart disease risk", Mode = SearchMode.Dense });

        hybrid.Mode.ShouldBe("bm25");
        hybrid.Warnings.ShouldBeEmpty();
        hybrid.Hits[0].DocumentName.ShouldBe("rest.txt");
        dense.Hits.ShouldBeEmpty();
        dense.Warnings.ShouldHaveSingleItem().ShouldStartWith("No document is embedded yet");
        product.Services.GetRequiredService<LocalSentenceEncoder>().IsLoaded.ShouldBeFalse(); // nothing was embedded
    }

    [Fact]
    public async Task DenseSearch_ArcticXs_EmbedsTheQueryWithItsPrefixAndPassagesWithout()
    {
        await using var product = ProductHarness.Start(_data.Path, Local("arctic-xs"));
        await IngestAllAsync(product);
        var encoder = product.Services.GetRequiredService<LocalSentenceEncoder>();
        encoder.Model.ShouldBe(LocalEmbeddingModel.ArcticXs);

        var dense = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = Paraphrase, Mode = SearchMode.Dense, K = 3 });

        var hit = dense.Hits.Single(h => h.DocumentName == "rest.txt");
        var vectors = await encoder.EncodeAsync([LocalEmbeddingModel.ArcticXs.QueryPrefix + Paraphrase, Paraphrase, hit.Text], interactive: true);
        var expected = TensorPrimitives.CosineSimilarity(vectors[0], vectors[2]);
        hit.Components.Dense.ShouldNotBeNull().ShouldBe(expected, 1e-4);
        Math.Abs(TensorPrimitives.CosineSimilarity(vectors[1], vectors[2]) - expected).ShouldBeGreaterThan(1e-3f); // the prefix made the difference
        dense.Hits[0].DocumentName.ShouldBe("rest.txt");
    }
}
