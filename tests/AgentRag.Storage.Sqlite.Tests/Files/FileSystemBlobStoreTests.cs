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

    [Fact]
    public async Task OpenLocal_MissingOriginal_ReturnsNull_AndKeyOutsideTheOriginals_Throws()
    {
        (await _blobs.OpenLocalAsync(Path.Combine("files", "t1", "doc_9", "a.txt"))).ShouldBeNull();
        await Should.ThrowAsync<ArgumentException>(() => _blobs.OpenLocalAsync("agentrag.db"));
        await Should.ThrowAsync<ArgumentException>(() => _blobs.OpenLocalAsync("files/../agentrag.db"));
        await Should.ThrowAsync<FileNotFoundException>(() => _blobs.OpenReadAsync(Path.Combine("files", "t1", "doc_9", "a.txt")));
    }
}
