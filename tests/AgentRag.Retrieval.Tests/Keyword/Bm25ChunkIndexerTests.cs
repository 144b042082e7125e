using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
using AgentRag.Retrieval.Keyword;
using AgentRag.Retrieval.Query;
using AgentRag.TestKit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRag.Retrieval.Tests.Keyword;

public sealed class Bm25ChunkIndexerTests : IDisposable
{
    private readonly TempDirectory _data = new("agentrag-bm25");

    private static Chunk Chunk(string tenant, string document, string id, string text, int ordinal = 0) => new()
    {
        Id = id,
        DocumentId = document,
        TenantId = tenant,
        Ordinal = ordinal,
        Text = text,
        TokenCount = text.Split(' ').Length,
    };

    private Bm25IndexCatalog NewCatalog(long journalSnapshotBytes = 64L * 1024 * 1024) =>
        new(_data.Path, new Bm25Options { JournalSnapshotBytes = journalSnapshotBytes });

    [Fact]
    public async Task IndexAsync_ThenRestart_ChunksAreSearchableWithoutReindexing()
    {
        using (var catalog = NewCatalog())
        {
            var indexer = new Bm25ChunkIndexer(catalog);
            await indexer.IndexAsync("t1", "doc1", [Chunk("t1", "doc1", "c1", "read.table reads a file in table format"), Chunk("t1", "doc1", "c2", "plotting with gnuplot", 1)]);
            await indexer.IndexAsync("t1", "doc2", [Chunk("t1", "doc2", "c3", "writing tables to files")]);
            await indexer.RemoveAsync("t1", "doc2");
            await catalog.SaveAsync("t1");
            await indexer.IndexAsync("t1", "doc3", [Chunk("t1", "doc3", "c4", "a table of contents")]); // journal only
        }

        File.Exists(Path.Combine(_data.Path, "index", "t1", Bm25IndexCatalog.SnapshotFileName)).ShouldBeTrue();
        using var restarted = NewCatalog();
        var hits = await new KeywordSearcher(restarted).SearchAsync("t1", "table", 10);

        hits.Select(h => h.ChunkId).OrderBy(x => x).ShouldBe(["c1", "c4"]);
        (await restarted.GetIndexAsync("t1")).ChunkCount.ShouldBe(3);
    }

    [Fact]
    public async Task RemoveAsync_Document_IsGoneForTheNextSearch()
    {
        using var catalog = NewCatalog();
        var indexer = new Bm25ChunkIndexer(catalog);
        var searcher = new KeywordSearcher(catalog);
        await indexer.IndexAsync("t1", "doc1", [Chunk("t1", "doc1", "c1", "quantum entanglement")]);
        (await searcher.SearchAsync("t1", "quantum", 5)).Count.ShouldBe(1);

        await indexer.RemoveAsync("t1", "doc1");
        await indexer.RemoveAsync("t1", "doc1");

        (await searcher.SearchAsync("t1", "quantum", 5)).ShouldBeEmpty();
    }

    [Fact]
    public async Task SearchAsync_OtherTenant_SeesNothing()
    {
        using var catalog = NewCatalog();
        await new Bm25ChunkIndexer(catalog).IndexAsync("t1", "doc1", [Chunk("t1", "doc1", "c1", "confidential merger plans")]);

        (await new KeywordSearcher(catalog).SearchAsync("t2", "merger", 5)).ShouldBeEmpty();
    }

    [Fact]
    public async Task IndexAsync_ChunkOfAnotherDocument_ThrowsAndIndexesNothing()
    {
        using var catalog = NewCatalog();
        var indexer = new Bm25ChunkIndexer(catalog);

        var error = await Should.ThrowAsync<ArgumentException>(() =>
            indexer.IndexAsync("t1", "doc1", [Chunk("t1", "doc1", "c1", "fine"), Chunk("t1", "docX", "c2", "wrong")]));

        error.Message.ShouldContain("Chunk 'c2' belongs to tenant 't1', document 'docX'");
        (await catalog.GetIndexAsync("t1")).ChunkCount.ShouldBe(0);
    }

    [Fact]
    public async Task GetIndexAsync_InvalidTenant_ThrowsArgumentException() =>
        (await Should.ThrowAsync<ArgumentException>(() => NewCatalog().GetIndexAsync("../etc"))).Message.ShouldContain("Invalid tenant id '../etc'");

    [Fact]
    public async Task Restart_TornJournalTail_KeepsCompleteRecordsOnly()
    {
        using (var catalog = NewCatalog())
        {
            var indexer = new Bm25ChunkIndexer(catalog);
            await indexer.IndexAsync("t1", "doc1", [Chunk("t1", "doc1", "c1", "first record")]);
            await indexer.IndexAsync("t1", "doc2", [Chunk("t1", "doc2", "c2", "second record")]);
        }

        var journal = Path.Combine(_data.Path, "index", "t1", Bm25IndexCatalog.JournalFileName);
        var bytes = await File.ReadAllBytesAsync(journal);
        await File.WriteAllBytesAsync(journal, bytes[..^5]); // a crash in the middle of the second append

        using var restarted = NewCatalog();
        var index = await restarted.GetIndexAsync("t1");
        index.ContainsChunk("c1").ShouldBeTrue();
        index.ContainsChunk("c2").ShouldBeFalse();
        new FileInfo(journal).Length.ShouldBeLessThan(bytes.Length - 5);
    }

    [Fact]
    public async Task ReplaceDocumentAsync_JournalOverLimit_WritesSnapshotAndEmptiesJournal()
    {
        using var catalog = NewCatalog(journalSnapshotBytes: 1024);
        var indexer = new Bm25ChunkIndexer(catalog);
        await indexer.IndexAsync("t1", "doc1", [Chunk("t1", "doc1", "c1", string.Join(' ', Enumerable.Repeat("padding words", 100)))]);

        var folder = Path.Combine(_data.Path, "index", "t1");
        File.Exists(Path.Combine(folder, Bm25IndexCatalog.SnapshotFileName)).ShouldBeTrue();
        new FileInfo(Path.Combine(folder, Bm25IndexCatalog.JournalFileName)).Length.ShouldBe(0);
        File.Exists(Path.Combine(folder, Bm25IndexCatalog.SnapshotFileName + ".tmp")).ShouldBeFalse();
    }

    [Fact]
    public async Task Restart_CorruptSnapshot_ThrowsNamingTheFile()
    {
        var folder = Path.Combine(_data.Path, "index", "t1");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, Bm25IndexCatalog.SnapshotFileName), "garbage");

        using var catalog = NewCatalog();
        var error = await Should.ThrowAsync<InvalidDataException>(() => catalog.GetIndexAsync("t1"));
        error.Message.ShouldContain(Bm25IndexCatalog.SnapshotFileName);

        File.Delete(Path.Combine(folder, Bm25IndexCatalog.SnapshotFileName));
        (await catalog.GetIndexAsync("t1")).ChunkCount.ShouldBe(0); // a failed load is retried, not cached
    }

    [Fact]
    public async Task SaveAllAsync_LoadedTenants_EmptiesTheirJournals()
    {
        using var catalog = NewCatalog();
        var indexer = new Bm25ChunkIndexer(catalog);
        await indexer.IndexAsync("t1", "doc1", [Chunk("t1", "doc1", "c1", "alpha")]);
        await indexer.IndexAsync("t2", "doc1", [Chunk("t2", "doc1", "c1", "beta")]);

        await catalog.SaveAllAsync();

        foreach (var tenant in new[] { "t1", "t2" })
        {
            new FileInfo(Path.Combine(_data.Path, "index", tenant, Bm25IndexCatalog.JournalFileName)).Length.ShouldBe(0);
        }
    }

    [Fact]
    public async Task SearchAsync_DocFilterWithoutResolver_RestrictsByDocumentId()
    {
        using var catalog = NewCatalog();
        var indexer = new Bm25ChunkIndexer(catalog);
        await indexer.IndexAsync("t1", "doc1", [Chunk("t1", "doc1", "c1", "table one")]);
        await indexer.IndexAsync("t1", "doc2", [Chunk("t1", "doc2", "c2", "table two")]);
        var searcher = new KeywordSearcher(catalog);

        (await searcher.SearchAsync("t1", "table doc:doc2", 10)).Select(h => h.ChunkId).ShouldBe(["c2"]);
        (await searcher.SearchAsync("t1", "table", 10, new SearchFilters { Documents = ["doc1"] })).Select(h => h.ChunkId).ShouldBe(["c1"]);
        await Should.ThrowAsync<InvalidOperationException>(() => searcher.SearchAsync("t1", "table lang:en", 10));
    }

    [Fact]
    public void AddRetrieval_InvalidB_FailsValidationNamingTheSetting()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AgentRag:Retrieval:Bm25:B"] = "2" }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddRetrieval(_data.Path);
        using var provider = services.BuildServiceProvider();

        var error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<Bm25Options>>().Value);
        error.Message.ShouldContain("B");
    }

    [Fact]
    public void AddRetrieval_Defaults_RegistersIndexerAsChunkIndexer()
    {
        var services = new ServiceCollection().AddSingleton<IConfiguration>(new ConfigurationBuilder().Build()).AddRetrieval(_data.Path);
        using var provider = services.BuildServiceProvider();

        provider.GetServices<IChunkIndexer>().ShouldHaveSingleItem().ShouldBeOfType<Bm25ChunkIndexer>();
        provider.GetRequiredService<KeywordSearcher>().ShouldNotBeNull();
    }

    public void Dispose() => _data.Dispose();
}
