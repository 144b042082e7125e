using AgentRag.Core.Search;
using AgentRag.Retrieval.Benchmarks;
using AgentRag.Retrieval.Vectors;
using AgentRag.TestKit;

namespace AgentRag.Retrieval.Tests.Vectors;

public sealed class VectorIndexCatalogTests : IDisposable
{
    private readonly TempDirectory _data = new("agentrag-vectors");

    public void Dispose() => _data.Dispose();

    private VectorIndexCatalog NewCatalog(int exactLimit = 150_000, long journalSnapshotBytes = 256L * 1024 * 1024) =>
        new(_data.Path, new VectorIndexOptions
        {
            ExactSearchLimit = exactLimit,
            JournalSnapshotBytes = journalSnapshotBytes,
            Hnsw = new HnswOptions { M = 16, EfConstruction = 100, EfSearch = 64 },
        });

    private static (string, float[]) V(string id, params float[] vector) => (id, vector);

    [Fact]
    public async Task ReplaceThenRestart_VectorsAreSearchableFromSnapshotAndJournal()
    {
        using (var catalog = NewCatalog())
        {
            await catalog.ReplaceDocumentAsync("t1", "d1", "m", [V("c1", 1, 0, 0), V("c2", 0, 1, 0)]);
            await catalog.SaveAsync("t1");
            await catalog.ReplaceDocumentAsync("t1", "d2", "m", [V("c3", 0, 0, 1)]); // journal only
        }

        File.Exists(Path.Combine(_data.Path, "index", "t1", VectorIndexCatalog.SnapshotFileName)).ShouldBeTrue();
        using var restarted = NewCatalog();
        var hits = await restarted.SearchAsync("t1", "m", new float[] { 0, 0.1f, 1 }, 3);

        hits.Select(h => (h.ChunkId, h.DocumentId)).ShouldBe([("c3", "d2"), ("c2", "d1"), ("c1", "d1")]);
        (await restarted.GetInfoAsync("t1")).ShouldBe(new VectorIndexInfo("m", 3, 3, 2, IsApproximate: false));
    }

    [Fact]
    public async Task RemoveAndReplace_Document_TakeEffectForTheNextSearch()
    {
        using var catalog = NewCatalog();
        await catalog.ReplaceDocumentAsync("t1", "d1", "m", [V("c1", 1, 0), V("c2", 0.9f, 0.1f)]);
        await catalog.ReplaceDocumentAsync("t1", "d2", "m", [V("c3", 0, 1)]);

        await catalog.ReplaceDocumentAsync("t1", "d1", "m", [V("c4", 0.5f, 0.5f)]);
        (await catalog.SearchAsync("t1", "m", new float[] { 1, 0 }, 5)).Select(h => h.ChunkId).ShouldBe(["c4", "c3"]);

        await catalog.RemoveDocumentAsync("t1", "d1");
        await catalog.RemoveDocumentAsync("t1", "d1");
        (await catalog.SearchAsync("t1", "m", new float[] { 1, 0 }, 5)).Select(h => h.ChunkId).ShouldBe(["c3"]);
    }

    [Fact]
    public async Task Search_AllowedDocuments_WidensUntilEnoughAllowedHits()
    {
        using var catalog = NewCatalog();
        var data = new SyntheticVectors(8, 3, 0.3f, 5).Next(300);
        await catalog.ReplaceDocumentAsync("t1", "big", "m", [.. data.Take(299).Select((v, i) => ($"b{i}", v))]);
        await catalog.ReplaceDocumentAsync("t1", "small", "m", [("s0", data[299])]);

        var hits = await catalog.SearchAsync("t1", "m", data[0], 3, new HashSet<string> { "small" });

        hits.ShouldHaveSingleItem().ChunkId.ShouldBe("s0");
    }

    [Fact]
    public async Task Search_QueryOfAnotherModel_ThrowsNamingBothModels()
    {
        using var catalog = NewCatalog();
        await catalog.ReplaceDocumentAsync("t1", "d1", "model-a", [V("c1", 1, 0)]);

        var error = await Should.ThrowAsync<VectorModelMismatchException>(() => catalog.SearchAsync("t1", "model-b", new float[] { 1, 0 }, 1));

        error.Message.ShouldContain("'model-a' (2 dimensions)");
        error.Message.ShouldContain("'model-b'");
        error.Message.ShouldContain("reprocess");
    }

    [Fact]
    public async Task Replace_WithAnotherModel_DiscardsTheOldModelsVectors()
    {
        using var catalog = NewCatalog();
        await catalog.ReplaceDocumentAsync("t1", "d1", "model-a", [V("c1", 1, 0)]);

        await catalog.ReplaceDocumentAsync("t1", "d2", "model-b", [V("c2", 1, 0, 0)]);

        (await catalog.GetInfoAsync("t1")).ShouldBe(new VectorIndexInfo("model-b", 3, 1, 1, IsApproximate: false));
        (await catalog.SearchAsync("t1", "model-b", new float[] { 1, 0, 0 }, 5)).ShouldHaveSingleItem().ChunkId.ShouldBe("c2");
    }

    [Fact]
    public async Task Replace_MixedDimensions_ThrowsAndChangesNothing()
    {
        using var catalog = NewCatalog();
        await catalog.ReplaceDocumentAsync("t1", "d1", "m", [V("c1", 1, 0)]);

        await Should.ThrowAsync<ArgumentException>(() => catalog.ReplaceDocumentAsync("t1", "d1", "m", [V("c2", 1, 0), V("c3", 1, 0, 0)]));

        (await catalog.SearchAsync("t1", "m", new float[] { 1, 0 }, 5)).ShouldHaveSingleItem().ChunkId.ShouldBe("c1");
    }

    [Fact]
    public async Task Journal_TornTail_IsCutAndEarlierChangesSurvive()
    {
        using (var catalog = NewCatalog())
        {
            await catalog.ReplaceDocumentAsync("t1", "d1", "m", [V("c1", 1, 0)]);
            await catalog.ReplaceDocumentAsync("t1", "d2", "m", [V("c2", 0, 1)]);
        }

        var journal = Path.Combine(_data.Path, "index", "t1", VectorIndexCatalog.JournalFileName);
        var length = new FileInfo(journal).Length;
        using (var stream = new FileStream(journal, FileMode.Open))
        {
            stream.SetLength(length - 5); // a crash in the middle of the second append
        }

        using var restarted = NewCatalog();
        (await restarted.SearchAsync("t1", "m", new float[] { 1, 1 }, 5)).ShouldHaveSingleItem().ChunkId.ShouldBe("c1");
    }

    [Fact]
    public async Task Search_PastTheExactLimit_HnswRecallAt10AgainstExactAtLeast95Percent()
    {
        using var catalog = NewCatalog(exactLimit: 1000);
        var data = new SyntheticVectors(48, 40, 0.4f, 21);
        var vectors = data.Next(4000);
        var queries = data.Next(60);
        var exact = new ExactVectorIndex(48);
        for (var d = 0; d < 40; d++)
        {
            var chunk = Enumerable.Range(d * 100, 100).Select(i => ($"c{i}", vectors[i])).ToList();
            await catalog.ReplaceDocumentAsync("t1", $"d{d}", "m", chunk);
            foreach (var (id, vector) in chunk)
            {
                exact.Upsert(id, vector);
            }
        }

        (await catalog.GetInfoAsync("t1")).IsApproximate.ShouldBeTrue();
        var found = 0;
        foreach (var query in queries)
        {
            var truth = exact.Search(query, 10).Select(h => h.Id).ToHashSet();
            found += (await catalog.SearchAsync("t1", "m", query, 10)).Count(h => truth.Contains(h.ChunkId));
        }

        (found / (10.0 * queries.Length)).ShouldBeGreaterThanOrEqualTo(0.95);
    }

    [Fact]
    public async Task RemoveDocument_TenantWithoutVectors_CreatesNoFiles()
    {
        using var catalog = NewCatalog();

        await catalog.RemoveDocumentAsync("t9", "d1");

        Directory.Exists(Path.Combine(_data.Path, "index", "t9")).ShouldBeFalse();
        (await catalog.SearchAsync("t9", "m", new float[] { 1 }, 3)).ShouldBeEmpty();
    }
}
