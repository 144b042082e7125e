using AgentRag.Core.Documents;
using AgentRag.Core.Search;
using AgentRag.Core.Storage;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Retrieval.Search;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Retrieval.Tests.EndToEnd;

/// <summary>
/// The semantic stage that follows ready (ADR 0027), through the product's composition root, with embeddings from the
/// loopback OpenAI-protocol server: resuming after a crash in the middle of a document, the persistent embedding cache on
/// re-ingest and reprocess, a model change re-embedding at start, search while vectors are missing, and yielding to
/// documents being taken to ready.
/// </summary>
public sealed class BackgroundEmbeddingTests : IAsyncLifetime
{
    private const string Tenant = "semantic-t";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _data = new("agentrag-semantic");
    private OpenAiTestServer _server = null!;

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

    private Dictionary<string, string?> Settings(string model = "embed-test") => new()
    {
        ["OPENAI_BASE_URL"] = _server.BaseUrl.ToString(),
        ["AGENTRAG_EMBEDDING_MODEL"] = model,
        ["AgentRag:Retrieval:Dense:BatchSize"] = "2",
    };

    /// <summary>A text of many chunks: sections of distinct words, so every chunk's text (and vector) differs.</summary>
    private static string LongText() => string.Join("\n\n", Enumerable.Range(0, 14).Select(section =>
        $"Section {section}\n\n" + string.Join(" ", Enumerable.Range(0, 420).Select(word => $"term{section}w{word}"))));

    private static async Task<Document> MakeReadyAsync(ProductHarness product, string fileName, string text)
    {
        var submitted = await product.Ingestion.SubmitAsync(Tenant, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), fileName);
        var ready = await product.Ingestion.ProcessAsync(Tenant, submitted.Document.Id);
        ready.ShouldNotBeNull().Status.ShouldBe(DocumentStatus.Ready, ready.Error);
        return ready;
    }

    private IEnumerable<string> InputsSince(int request) =>
        _server.Requests.Skip(request).Where(r => r.Path.EndsWith("/embeddings", StringComparison.Ordinal))
            .SelectMany(r => r.Json!["input"]!.AsArray().Select(n => n!.GetValue<string>()));

    [Fact]
    public async Task EmbedAsync_CrashInTheMiddleOfADocument_ResumesRecomputingOnlyTheBatchInFlightWithNoDuplicateOrMissingVector()
    {
        Document document;
        IReadOnlyList<Chunk> chunks;
        ScriptedResponse inFlight;
        await using (var product = ProductHarness.Start(_data.Path, Settings()))
        {
            document = await MakeReadyAsync(product, "long.txt", LongText());
            chunks = await product.Services.GetRequiredService<IDocumentStore>().GetChunksAsync(Tenant, document.Id);
            chunks.Count.ShouldBeGreaterThanOrEqualTo(6, "three batches of two at least");
            _server.Embeddings.Enqueue(ScriptedResponse.Reply());
            _server.Embeddings.Enqueue(ScriptedResponse.Reply());
            inFlight = _server.Embeddings.Enqueue(ScriptedResponse.Held(ScriptedResponse.Reply()));

            using var crash = new CancellationTokenSource();
            var embedding = product.Embedding.EmbedAsync(Tenant, document.Id, crash.Token);
            await inFlight.Received.WaitAsync(Patience);
            await crash.CancelAsync(); // the process dies with the third batch in flight
            await Should.ThrowAsync<OperationCanceledException>(() => embedding);

            var interrupted = (await product.Services.GetRequiredService<IDocumentStore>().GetAsync(Tenant, document.Id))!;
            interrupted.Status.ShouldBe(DocumentStatus.Ready, "keyword-searchable throughout");
            (interrupted.EmbeddingModel, interrupted.EmbeddedChunks).ShouldBe(("embed-test", 4));
            (await product.Services.GetRequiredService<IVectorStore>().GetInfoAsync(Tenant)).Vectors.ShouldBe(0, "a document's vectors are written in one go");
        }

        inFlight.Release();
        var before = _server.Requests.Count;
        await using var restarted = ProductHarness.Start(_data.Path, Settings());
        var awaiting = await restarted.Services.GetRequiredService<IDocumentStore>().ListAwaitingEmbeddingAsync("embed-test");
        awaiting.ShouldHaveSingleItem().Id.ShouldBe(document.Id);

        var final = await restarted.Embedding.EmbedAsync(Tenant, document.Id);

        final.ShouldNotBeNull().EmbeddedChunks.ShouldBe(chunks.Count);
        final.IsEmbeddedWith("embed-test").ShouldBeTrue();
        InputsSince(before).ShouldBe(chunks.Skip(4).Select(c => c.Text), "the two finished batches come from the persistent cache");
        (await restarted.Services.GetRequiredService<IVectorStore>().GetInfoAsync(Tenant)).ShouldBe(
            new VectorIndexInfo("embed-test", 16, chunks.Count, 1, IsApproximate: false));
        var vectors = restarted.Services.GetRequiredService<IVectorStore>();
        foreach (var chunk in chunks)
        {
            // The test server's vector of a text is a function of the text: each chunk is found by its own.
            var hits = await vectors.SearchAsync(Tenant, "embed-test", OpenAiTestServer.VectorFor(chunk.Text, 16), 1);
            hits.ShouldHaveSingleItem().ChunkId.ShouldBe(chunk.Id);
        }
    }

    [Fact]
    public async Task ReprocessAndReingestOfTheSameText_SendNothingToTheModel()
    {
        await using var product = ProductHarness.Start(_data.Path, Settings());
        const string text = "Install add-on packages from CRAN with install.packages and load them with library.";
        var (first, _) = await product.IngestTextAsync(Tenant, "packages.txt", text);
        var calls = _server.Count("embeddings");
        calls.ShouldBe(1);

        await product.Ingestion.ResetForReprocessingAsync(Tenant, first.Id);
        await product.Ingestion.ProcessAsync(Tenant, first.Id);
        var reprocessed = await product.Embedding.EmbedAsync(Tenant, first.Id);
        await product.Ingestion.DeleteAsync(Tenant, first.Id);
        var (again, _) = await product.IngestTextAsync(Tenant, "packages-copy.txt", text);

        _server.Count("embeddings").ShouldBe(calls);
        reprocessed!.IsEmbeddedWith("embed-test").ShouldBeTrue();
        again.Id.ShouldNotBe(first.Id);
        again.IsEmbeddedWith("embed-test").ShouldBeTrue();
        var response = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = text, K = 1, Mode = SearchMode.Dense });
        response.Hits.ShouldHaveSingleItem().DocumentId.ShouldBe(again.Id);
    }

    [Fact]
    public async Task Restart_WithAnotherEmbeddingModel_ReembedsEveryDocumentInTheBackgroundWithProgress()
    {
        string[] ids;
        await using (var product = ProductHarness.Start(_data.Path, Settings()))
        {
            ids = [
                (await product.IngestTextAsync(Tenant, "a.txt", "The read.table function reads a file in table format.")).Document.Id,
                (await product.IngestTextAsync(Tenant, "b.txt", "Use the plot command to draw a scatter plot.")).Document.Id,
            ];
        }

        await using var restarted = ProductHarness.Start(_data.Path, Settings("embed-other"));
        using var subscription = restarted.Services.GetRequiredService<IngestionEventHub>().Subscribe();
        var worker = restarted.Services.GetRequiredService<EmbeddingWorker>();
        await worker.StartAsync(CancellationToken.None);
        var events = new List<IngestionEvent>();
        await foreach (var e in subscription.ReadAllAsync().WithCancellation(new CancellationTokenSource(Patience).Token))
        {
            events.Add(e);
            if (events.Count(x => x.IsEmbeddingComplete) == ids.Length)
            {
                break;
            }
        }

        await worker.StopAsync(CancellationToken.None);

        events.Where(e => e.IsEmbedding).Select(e => e.DocumentId).Distinct().ShouldBe(ids, ignoreOrder: true);
        events.ShouldAllBe(e => e.EmbeddingModel == "embed-other");
        events.Where(e => e.IsEmbedding && !e.IsEmbeddingComplete).ShouldAllBe(e => e.EmbeddedChunks == 0 && e.Message == "Semantic 0/1");
        (await restarted.Services.GetRequiredService<IVectorStore>().GetInfoAsync(Tenant)).ShouldBe(new VectorIndexInfo("embed-other", 16, 2, 2, IsApproximate: false));
        _server.Count("embeddings", "embed-other").ShouldBe(ids.Length);
        (await restarted.Services.GetRequiredService<IDocumentStore>().ListAwaitingEmbeddingAsync("embed-other")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Reingest_WithTheRealLocalModel_TakesTheVectorFromThePersistentCache()
    {
        const string text = "Hedgehogs roll into a ball of spines when they are frightened by a dog in the garden.";
        var local = new Dictionary<string, string?> { [EmbeddingTestSettings.ProviderKey] = "local" };
        string model;
        var marker = new float[384];
        marker[7] = 1f;
        await using (var product = ProductHarness.Start(_data.Path, local))
        {
            model = product.Embedding.Model.ShouldNotBeNull();
            var (first, _) = await product.IngestTextAsync(Tenant, "hedgehogs.txt", text);
            first.IsEmbeddedWith(model).ShouldBeTrue();
            var chunk = (await product.Services.GetRequiredService<IDocumentStore>().GetChunksAsync(Tenant, first.Id)).ShouldHaveSingleItem();
            var cache = product.Services.GetRequiredService<IEmbeddingCache>();
            var scope = EmbeddingCacheScope.ForTenant(Tenant);
            var hash = EmbeddingCacheScope.HashText(chunk.Text);
            (await cache.GetManyAsync(scope, model, [hash]))[hash].Length.ShouldBe(384);

            // Mark the cached entry, so a vector that comes from the cache is told from one the model computes again.
            await cache.PutManyAsync(scope, model, [new CachedEmbedding(hash, marker)]);
            await product.Ingestion.DeleteAsync(Tenant, first.Id);
        }

        await using var restarted = ProductHarness.Start(_data.Path, local); // an empty memory tier
        var (again, _) = await restarted.IngestTextAsync(Tenant, "hedgehogs-again.txt", text);

        again.IsEmbeddedWith(model).ShouldBeTrue();
        var hit = (await restarted.Services.GetRequiredService<IVectorStore>().SearchAsync(Tenant, model, marker, 1)).ShouldHaveSingleItem();
        hit.DocumentId.ShouldBe(again.Id);
        hit.Score.ShouldBe(1f, 1e-5f);
    }

    [Fact]
    public async Task Search_BeforeAnyVectorExists_ReturnsKeywordHitsAndNeverFails()
    {
        await using var product = ProductHarness.Start(_data.Path, Settings());
        var ready = await MakeReadyAsync(product, "plots.txt", "Use the plot command to draw a scatter plot of two numeric vectors.");

        var hybrid = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = "scatter plot", K = 3 });
        var dense = await product.Search.SearchAsync(Tenant, new SearchRequest { Query = "scatter plot", K = 3, Mode = SearchMode.Dense });

        ready.EmbeddedChunks.ShouldBe(0);
        hybrid.Hits.ShouldNotBeEmpty();
        hybrid.Hits[0].DocumentId.ShouldBe(ready.Id);
        dense.Hits.ShouldBeEmpty();
    }

    [Fact]
    public async Task EmbedAsync_WhileADocumentIsBeingTakenToReady_WaitsForItBeforeCallingTheModel()
    {
        await using var product = ProductHarness.Start(_data.Path, Settings());
        var ready = await MakeReadyAsync(product, "plots.txt", "Use the plot command to draw a scatter plot of two numeric vectors.");
        var activity = product.Services.GetRequiredService<IngestionActivity>();

        var ingesting = activity.Begin(); // another document is being extracted
        var embedding = product.Embedding.EmbedAsync(Tenant, ready.Id);
        using var patience = new CancellationTokenSource(Patience);
        while (activity.Waiting == 0 && !embedding.IsCompleted)
        {
            patience.Token.ThrowIfCancellationRequested();
            await Task.Yield(); // until the stage is held at its first batch
        }

        embedding.IsCompleted.ShouldBeFalse();
        _server.Count("embeddings").ShouldBe(0);
        ingesting.Dispose();
        (await embedding.WaitAsync(Patience))!.IsEmbeddedWith("embed-test").ShouldBeTrue();
        _server.Count("embeddings").ShouldBe(1);
    }
}
