using AgentRag.Core.Documents;
using AgentRag.Core.Search;
using AgentRag.Retrieval.Search;
using AgentRag.Retrieval.Vectors;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Retrieval.Tests.EndToEnd;

/// <summary>
/// Dense and hybrid search through the product's composition root, with embeddings from the loopback OpenAI-protocol
/// server (its vectors are a hash of the text, so a query equal to a chunk's text finds exactly that chunk).
/// </summary>
public sealed class DenseSearchEndToEndTests : IAsyncLifetime
{
    private const string Tenant = "dense-t";
    private readonly TempDirectory _data = new("agentrag-dense");
    private OpenAiTestServer _server = null!;

    private static readonly (string Name, string Text)[] Files =
    [
        ("tables.txt", "The read.table function reads a file in table format and creates a data frame from it."),
        ("plots.txt", "Use the plot command to draw a scatter plot of two numeric vectors."),
        ("packages.txt", "Install add-on packages from CRAN with install.packages and load them with library."),
    ];

    public async Task InitializeAsync()
    {
        _server = await OpenAiTestServer.StartAsync();
        _server.EmbeddingDimensions = 16;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _data.Dispose();
    }

    private Dictionary<string, string?> EmbeddingSettings() => new()
    {
        ["OPENAI_BASE_URL"] = _server.BaseUrl.ToString(),
        ["AGENTRAG_EMBEDDING_MODEL"] = "embed-test",
    };

    private static async Task<Dictionary<string, Document>> IngestAllAsync(ProductHarness product, List<Ingestion.Pipeline.IngestionEvent>? eventsOfFirst = null)
    {
        var documents = new Dictionary<string, Document>();
        foreach (var (name, text) in Files)
        {
            var (document, events) = await product.IngestTextAsync(Tenant, name, text);
            document.Status.ShouldBe(DocumentStatus.Ready, document.Error);
            documents[name] = document;
            if (eventsOfFirst is not null && eventsOfFirst.Count == 0)
            {
                eventsOfFirst.AddRange(events);
            }
        }

        return documents;
    }

    private static async Task<string> ChunkTextAsync(ProductHarness product, string word)
    {
        var hits = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = word, K = 1, Mode = SearchMode.Bm25 });
        return hits.Hits.ShouldHaveSingleItem().Text;
    }

    [Fact]
    public async Task Ingest_WithEmbeddingModel_IsReadyFirstThenEmbedsWithProgressAndPersistsVectors()
    {
        await using var product = ProductHarness.Start(_data.Path, EmbeddingSettings());
        var events = new List<Ingestion.Pipeline.IngestionEvent>();

        var documents = await IngestAllAsync(product, events);

        events.Select(e => e.Stage).Distinct().ShouldBe(
            [IngestionStage.Pending, IngestionStage.Extracting, IngestionStage.Chunking, IngestionStage.Indexing, IngestionStage.Ready, IngestionStage.Embedding]);
        events.Single(e => e.IsTerminal).Stage.ShouldBe(IngestionStage.Ready, "ready (keyword-searchable) comes before any embedding");
        events.Where(e => e.IsEmbedding).Select(e => (e.EmbeddedChunks, e.ChunkCount, e.EmbeddingModel, e.Message)).ShouldBe(
            [(0, 1, "embed-test", "Semantic 0/1"), (1, 1, "embed-test", "Semantic 1/1")]);
        events.Last().IsEmbeddingComplete.ShouldBeTrue();
        events.Where(e => !e.IsEmbedding).Select(e => e.Progress).ShouldBeInOrder(SortDirection.Ascending);
        documents.Values.ShouldAllBe(d => d.EmbeddedChunks == 1 && d.EmbeddingModel == "embed-test" && d.IsEmbeddedWith("embed-test"));
        _server.Count("embeddings", "embed-test").ShouldBe(Files.Length); // one batch per one-chunk document
        var info = await product.Services.GetRequiredService<IVectorStore>().GetInfoAsync(Tenant);
        info.ShouldBe(new VectorIndexInfo("embed-test", 16, Files.Length, Files.Length, IsApproximate: false));
        File.Exists(Path.Combine(_data.Path, "index", Tenant, VectorIndexCatalog.JournalFileName)).ShouldBeTrue();
    }

    [Fact]
    public async Task Ingest_WithoutEmbeddingModel_HasNoEmbeddingStageAndHybridSaysBm25Only()
    {
        await using var product = ProductHarness.Start(_data.Path, new Dictionary<string, string?>());
        var events = new List<Ingestion.Pipeline.IngestionEvent>();

        await IngestAllAsync(product, events);
        var response = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = "scatter plot", K = 3 });

        events.ShouldNotContain(e => e.Stage == IngestionStage.Embedding);
        events.ShouldContain(e => e.Stage == IngestionStage.Indexing && e.Progress == 85);
        response.Modes.ShouldBe(["bm25"]);
        response.Warnings.ShouldContain(w => w.Contains("BM25 only"));
        _server.Requests.ShouldBeEmpty();
        Directory.GetFiles(Path.Combine(_data.Path, "index", Tenant), "vectors.*").ShouldBeEmpty();
    }

    [Fact]
    public async Task Search_Hybrid_FusesBm25AndDenseWithComponents()
    {
        await using var product = ProductHarness.Start(_data.Path, EmbeddingSettings());
        await IngestAllAsync(product);
        var plotText = await ChunkTextAsync(product, "scatter");

        // The exact chunk text: dense ranks that chunk first with cosine 1; BM25 ranks it first too.
        var response = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = plotText, K = 3, Mode = SearchMode.Hybrid });

        response.Modes.ShouldBe(["bm25", "dense"]);
        response.Warnings.ShouldBeEmpty();
        var top = response.Hits[0];
        top.Text.ShouldBe(plotText);
        top.Components.Dense!.Value.ShouldBe(1.0, 1e-5);
        top.Components.Bm25.ShouldNotBeNull();
        top.Components.Fused!.Value.ShouldBe(2.0, 1e-9); // min-max, the default: the best of both rankings scales to 1 in each
        top.Score.ShouldBe(top.Components.Fused!.Value);
        response.Hits.Count.ShouldBe(3); // dense also brings the chunks BM25 does not match
        response.Hits.ShouldAllBe(h => h.Components.Dense != null);
    }

    [Fact]
    public async Task Search_HybridMinMax_FusedScoresDoNotDependOnTheNumberOfHitsAsked()
    {
        await using var product = ProductHarness.Start(_data.Path, EmbeddingSettings());
        await IngestAllAsync(product);
        var query = "plot a data frame from a file";

        var one = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = query, K = 1, Mode = SearchMode.Hybrid });
        var three = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = query, K = 3, Mode = SearchMode.Hybrid });

        // Each ranking is scaled over the same candidates (AgentRag:Search:HybridCandidates) whatever k is, so asking
        // for fewer hits returns a prefix of the longer answer with the same scores.
        three.Hits.Count.ShouldBe(3);
        one.Hits.Select(h => (h.ChunkId, h.Score)).ShouldBe(three.Hits.Take(1).Select(h => (h.ChunkId, h.Score)));
    }

    [Fact]
    public async Task Search_HybridWithRrfConfigured_FusesByReciprocalRank()
    {
        var settings = EmbeddingSettings();
        settings["AgentRag:Search:Fusion"] = "rrf";
        await using var product = ProductHarness.Start(_data.Path, settings);
        await IngestAllAsync(product);
        var plotText = await ChunkTextAsync(product, "scatter");

        var response = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = plotText, K = 3, Mode = SearchMode.Hybrid });

        response.Hits[0].Text.ShouldBe(plotText);
        response.Hits[0].Components.Fused!.Value.ShouldBe(2.0 / 61, 1e-9); // RRF k=60: first in both lists
    }

    [Fact]
    public async Task Search_DenseMode_FindsTheChunkWhoseTextIsTheQuery()
    {
        await using var product = ProductHarness.Start(_data.Path, EmbeddingSettings());
        await IngestAllAsync(product);
        var tableText = await ChunkTextAsync(product, "read.table");

        var response = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = tableText, K = 2, Mode = SearchMode.Dense });

        response.Modes.ShouldBe(["dense"]);
        response.Hits[0].Text.ShouldBe(tableText);
        response.Hits[0].DocumentName.ShouldBe("tables.txt");
        response.Hits[0].Components.Bm25.ShouldBeNull();
        response.Hits[0].Score.ShouldBe(1.0, 1e-5);
    }

    [Fact]
    public async Task Delete_Document_DenseSearchNoLongerReturnsIt()
    {
        await using var product = ProductHarness.Start(_data.Path, EmbeddingSettings());
        var documents = await IngestAllAsync(product);
        var tableText = await ChunkTextAsync(product, "read.table");

        (await product.Ingestion.DeleteAsync(Tenant, documents["tables.txt"].Id)).ShouldBeTrue();
        var response = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = tableText, K = 5, Mode = SearchMode.Dense });

        response.Hits.ShouldNotContain(h => h.DocumentName == "tables.txt");
        response.Hits.Count.ShouldBe(2);
        (await product.Services.GetRequiredService<IVectorStore>().GetInfoAsync(Tenant)).Vectors.ShouldBe(2);
    }

    [Fact]
    public async Task Restart_SameDataFolder_DenseSearchWorksWithoutReembedding()
    {
        string packagesText;
        await using (var product = ProductHarness.Start(_data.Path, EmbeddingSettings()))
        {
            await IngestAllAsync(product);
            packagesText = await ChunkTextAsync(product, "CRAN");
        }

        var embeddingCalls = _server.Count("embeddings");
        await using var restarted = ProductHarness.Start(_data.Path, EmbeddingSettings());
        var response = await restarted.Search.SearchAsync(Tenant, new SearchRequest { Query = packagesText, K = 1, Mode = SearchMode.Dense });

        response.Hits.ShouldHaveSingleItem().DocumentName.ShouldBe("packages.txt");
        _server.Count("embeddings").ShouldBe(embeddingCalls, "the query is a chunk's text, which the persistent embedding cache holds");
    }

    [Fact]
    public async Task Search_DenseModeWithDocFilter_ReturnsOnlyThatDocument()
    {
        await using var product = ProductHarness.Start(_data.Path, EmbeddingSettings());
        await IngestAllAsync(product);
        var tableText = await ChunkTextAsync(product, "read.table");

        var response = await product.Search.SearchAsync(Tenant, new SearchRequest
        {
            Query = tableText, K = 3, Mode = SearchMode.Dense, Filters = new AgentRag.Retrieval.Query.SearchFilters { Documents = ["plots.txt"] },
        });

        response.Hits.ShouldHaveSingleItem().DocumentName.ShouldBe("plots.txt");
    }

    [Fact]
    public async Task Search_HybridWhenEmbeddingServerFails_DegradesToBm25WithTheReason()
    {
        await using var product = ProductHarness.Start(_data.Path, EmbeddingSettings());
        await IngestAllAsync(product);
        _server.Embeddings.Enqueue(ScriptedResponse.Error(401, "Incorrect API key provided."));

        var response = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = "scatter plot of vectors", K = 3 });

        response.Modes.ShouldBe(["bm25"]);
        response.Warnings.ShouldHaveSingleItem().ShouldContain("Dense retrieval failed");
        response.Hits[0].DocumentName.ShouldBe("plots.txt");
    }
}
