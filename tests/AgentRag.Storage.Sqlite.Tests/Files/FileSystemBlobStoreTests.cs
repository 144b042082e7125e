using AgentRag.Core;
using AgentRag.Storage.Sqlite.Files;
using AgentRag.TestKit;
using Shouldly;
using Xunit;

namespace AgentRag.Storage.Sqlite.Tests.Files;

public sealed class FileSystemBlobStoreTests : IDisposable
{
    private readonly TempDirectory _data = new("agentrag-blobs");
    private readonly DataFolder _folder;
    private readonly FileSystemBlobStore _blobs;

    public FileSystemBlobStoreTests()
    {
        _folder = new DataFolder(_data.Path);
        _blobs = new FileSystemBlobStore(_folder);
    }

    public void Dispose() => _data.Dispose();

    private string Stage(string content)
    {
        var path = _blobs.CreateStagingPath();
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task StoreOriginal_MovesTheStagedFileUnderTheTenantAndDocument()
    {
        var staged = Stage("hello");
        _blobs.GetStagedBytes().ShouldBe(5);

        var key = await _blobs.StoreOriginalAsync("t1", "doc_1", "report v2.pdf", staged);

        key.ShouldBe(Path.Combine("files", "t1", "doc_1", "report v2.pdf"));
        File.Exists(staged).ShouldBeFalse();
        _blobs.GetStagedBytes().ShouldBe(0);
        using (var local = await _blobs.OpenLocalAsync(key))
        {
            local.ShouldNotBeNull();
            (await File.ReadAllTextAsync(local.Path)).ShouldBe("hello");
        }

        await using var read = await _blobs.OpenReadAsync(key);
        (await new StreamReader(read).ReadToEndAsync()).ShouldBe("hello");
    }

    [Fact]
    public async Task StoreOriginal_FileNameWithFolders_KeepsOnlyTheName()
    {
        var key = await _blobs.StoreOriginalAsync("t1", "doc_1", "../../etc/passwd", Stage("x"));
        key.ShouldBe(Path.Combine("files", "t1", "doc_1", "passwd"));
    }

    [Fact]
    public async Task StoreOriginal_InvalidTenantOrDocument_Throws()
    {
        await Should.ThrowAsync<ArgumentException>(() => _blobs.StoreOriginalAsync("..", "doc_1", "a.txt", Stage("x")));
        await Should.ThrowAsync<ArgumentException>(() => _blobs.StoreOriginalAsync("t1", "../doc", "a.txt", Stage("x")));
    }

    [Fact]
    public async Task OpenLocal_MissingOriginal_ReturnsNull_AndKeyOutsideTheOriginals_Throws()
    {
        (await _blobs.OpenLocalAsync(Path.Combine("files", "t1", "doc_9", "a.txt"))).ShouldBeNull();
        await Should.ThrowAsync<ArgumentException>(() => _blobs.OpenLocalAsync("agentrag.db"));
        await Should.ThrowAsync<ArgumentException>(() => _blobs.OpenLocalAsync("files/../agentrag.db"));
        await Should.ThrowAsync<FileNotFoundException>(() => _blobs.OpenReadAsync(Path.Combine("files", "t1", "doc_9", "a.txt")));
    }

    [Fact]
    public async Task ListDeleteOriginals_AreTenantScoped()
    {
        await _blobs.StoreOriginalAsync("t1", "doc_1", "a.txt", Stage("aa"));
        await _blobs.StoreOriginalAsync("t1", "doc_2", "b.txt", Stage("bbb"));
        var other = await _blobs.StoreOriginalAsync("t2", "doc_1", "a.txt", Stage("c"));

        var listed = await _blobs.ListOriginalsAsync("t1");
        listed.Select(e => (e.Name, e.Length)).ShouldBe([("doc_1/a.txt", 2L), ("doc_2/b.txt", 3L)]);

        await _blobs.DeleteOriginalsAsync("t1", "doc_1");
        await _blobs.DeleteOriginalsAsync("t1", "doc_1");
        (await _blobs.ListOriginalsAsync("t1")).Select(e => e.Name).ShouldBe(["doc_2/b.txt"]);

        (await _blobs.DeleteTenantAsync("t1")).ShouldBe(1);
        (await _blobs.DeleteTenantAsync("t1")).ShouldBe(0);
        (await _blobs.ListOriginalsAsync("t1")).ShouldBeEmpty();
        (await _blobs.OpenLocalAsync(other)).ShouldNotBeNull().Dispose();
    }

    [Fact]
    public void DeleteStagedOlderThan_DeletesOnlyFilesWrittenBeforeTheCutoff()
    {
        var old = Stage("old");
        var fresh = Stage("fresh");
        var now = DateTimeOffset.UtcNow;
        File.SetLastWriteTimeUtc(old, now.AddHours(-2).UtcDateTime);
        File.SetLastWriteTimeUtc(fresh, now.UtcDateTime);

        _blobs.DeleteStagedOlderThan(now.AddHours(-1)).ShouldBe((1, 3L));

        File.Exists(old).ShouldBeFalse();
        File.Exists(fresh).ShouldBeTrue();
        _blobs.DeleteStaged(fresh);
        _blobs.DeleteStaged(fresh);
        _blobs.GetStagedBytes().ShouldBe(0);
    }
}
