using AgentRag.Retrieval.Keyword;
using AgentRag.Retrieval.Vectors;
using AgentRag.TestKit;

namespace AgentRag.Retrieval.Tests.Persistence;

/// <summary>
/// Two catalogs over one data folder, as a running server and a CLI command beside it: neither loses the other's
/// journal records, and a snapshot written by one (which empties the journal) does not cut the other's later writes.
/// </summary>
public sealed class SharedIndexFolderTests : IDisposable
{
    private const string Tenant = "shared";
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private Bm25IndexCatalog NewCatalog() => new(_data.Path, new Bm25Options());

    private static Task Put(Bm25IndexCatalog catalog, string documentId, string text) =>
        catalog.ReplaceDocumentAsync(Tenant, documentId, [(documentId + "#0", text)]);

    private async Task<string[]> ChunksOnDiskAsync()
    {
        using var fresh = NewCatalog();
        var index = await fresh.GetIndexAsync(Tenant);
        return [.. new[] { "doc_a#0", "doc_b#0", "doc_c#0" }.Where(index.ContainsChunk)];
    }

    [Fact]
    public async Task ReplaceDocumentAsync_TwoCatalogsAppendInTurn_TheJournalKeepsEveryRecord()
    {
        using (var server = NewCatalog())
        using (var cli = NewCatalog())
        {
            await Put(server, "doc_a", "alpha apples");
            await Put(cli, "doc_b", "bravo bananas");
            await Put(server, "doc_c", "charlie cherries");
        }

        (await ChunksOnDiskAsync()).ShouldBe(["doc_a#0", "doc_b#0", "doc_c#0"]);
    }

    [Fact]
    public async Task ReplaceDocumentAsync_AfterTheOtherCatalogSnapshotted_TheJournalKeepsTheLaterWrite()
    {
        using (var server = NewCatalog())
        using (var cli = NewCatalog())
        {
            await Put(server, "doc_a", "alpha apples");
            await Put(cli, "doc_b", "bravo bananas");
            await cli.SaveAsync(Tenant);
            await Put(server, "doc_c", "charlie cherries");
        }

        (await ChunksOnDiskAsync()).ShouldBe(["doc_a#0", "doc_b#0", "doc_c#0"]);
    }

    [Fact]
    public async Task RefreshAsync_OtherCatalogAppendedThenSnapshotted_AppliesBothAndSaysSo()
    {
        using var server = NewCatalog();
        using var cli = NewCatalog();
        await Put(server, "doc_a", "alpha apples");
        (await server.RefreshAsync(Tenant)).ShouldBeFalse();

        await Put(cli, "doc_b", "bravo bananas");
        (await server.RefreshAsync(Tenant)).ShouldBeTrue();
        (await server.GetIndexAsync(Tenant)).ContainsChunk("doc_b#0").ShouldBeTrue();

        await cli.RemoveDocumentAsync(Tenant, "doc_a");
        await cli.SaveAsync(Tenant);
        (await server.RefreshAsync(Tenant)).ShouldBeTrue();
        var index = await server.GetIndexAsync(Tenant);
        index.ContainsChunk("doc_a#0").ShouldBeFalse();
        index.ContainsChunk("doc_b#0").ShouldBeTrue();
        (await server.RefreshAsync(Tenant)).ShouldBeFalse();
    }

    [Fact]
    public async Task ReplaceDocumentAsync_OtherProcessHoldsTheLockFile_WaitsForItThenWrites()
    {
        using var server = NewCatalog();
        await Put(server, "doc_a", "alpha apples");
        var lockPath = Directory.GetFiles(_data.Path, "bm25.journal.lock", SearchOption.AllDirectories).ShouldHaveSingleItem();

        Task write;
        using (File.Open(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            write = Task.Run(() => Put(server, "doc_b", "bravo bananas")); // the wait blocks its thread

            // Held elsewhere, the lock is waited for: the write neither fails nor completes while it is held.
            SpinWait.SpinUntil(() => write.IsCompleted, TimeSpan.FromMilliseconds(200)).ShouldBeFalse();
        }

        await write;
        (await ChunksOnDiskAsync()).ShouldBe(["doc_a#0", "doc_b#0"]);
    }

    [Fact]
    public async Task RefreshAsync_TenantNotLoaded_FalseAndNothingCreated()
    {
        using var catalog = NewCatalog();

        (await catalog.RefreshAsync("never-used")).ShouldBeFalse();

        Directory.Exists(Path.Combine(_data.Path, "index", "never-used")).ShouldBeFalse();
    }

    [Fact]
    public async Task VectorRefreshAsync_OtherCatalogAddedAndRemoved_SearchFollows()
    {
        using var server = new VectorIndexCatalog(_data.Path, new VectorIndexOptions());
        using var cli = new VectorIndexCatalog(_data.Path, new VectorIndexOptions());
        await server.ReplaceDocumentAsync(Tenant, "doc_a", "m", [("doc_a#0", [1f, 0f])]);

        await cli.ReplaceDocumentAsync(Tenant, "doc_b", "m", [("doc_b#0", [0f, 1f])]);
        (await server.RefreshAsync(Tenant)).ShouldBeTrue();
        (await server.SearchAsync(Tenant, "m", new float[] { 0f, 1f }, 1))[0].DocumentId.ShouldBe("doc_b");

        await cli.RemoveDocumentAsync(Tenant, "doc_b");
        await cli.SaveAsync(Tenant);
        (await server.RefreshAsync(Tenant)).ShouldBeTrue();
        (await server.SearchAsync(Tenant, "m", new float[] { 0f, 1f }, 2)).Select(h => h.DocumentId).ShouldBe(["doc_a"]);
    }
}
