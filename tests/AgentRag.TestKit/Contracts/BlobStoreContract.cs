using System.Text;
using AgentRag.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="IBlobStore"/>: staged uploads become originals under opaque keys scoped to a tenant and
/// document, originals read back byte for byte (by stream and as a local file), list and delete per tenant, and are seen
/// by another instance sharing the backend; staging is swept by age.
/// </summary>
public abstract class BlobStoreContract : BackendContract
{
    private IBlobStore Blobs => Get<IBlobStore>();

    [Fact]
    public async Task StoreOriginalAsync_StagedFile_BecomesTheOriginalAndLeavesStaging()
    {
        var bytes = await File.ReadAllBytesAsync(SharedPaths.CorpusFile("debian-policy-README.txt"));
        var staged = Stage(bytes);
        Blobs.GetStagedBytes().ShouldBe(bytes.Length);

        var key = await Blobs.StoreOriginalAsync(TenantA, "doc_1", "README.txt", staged);
        await ReopenAsync();

        File.Exists(staged).ShouldBeFalse();
        Blobs.GetStagedBytes().ShouldBe(0);
        await using (var read = await Blobs.OpenReadAsync(key))
        {
            (await ReadAllAsync(read)).ShouldBe(bytes);
        }

        using var local = (await Blobs.OpenLocalAsync(key)).ShouldNotBeNull();
        (await File.ReadAllBytesAsync(local.Path)).ShouldBe(bytes);
    }

    [Fact]
    public async Task StoreOriginalAsync_FileNameWithFolders_KeepsOnlyItsLastPart()
    {
        await Blobs.StoreOriginalAsync(TenantA, "doc_1", "../../etc/passwd", Stage("x"u8.ToArray()));

        (await Blobs.ListOriginalsAsync(TenantA)).ShouldHaveSingleItem().Name.ShouldBe("doc_1/passwd");
    }

    [Fact]
    public async Task StoreOriginalAsync_InvalidTenantOrMissingStagedFile_Throws()
    {
        await Should.ThrowAsync<ArgumentException>(() => Blobs.StoreOriginalAsync("..", "doc_1", "a.txt", Stage("x"u8.ToArray())));
        await Should.ThrowAsync<FileNotFoundException>(() => Blobs.StoreOriginalAsync(TenantA, "doc_1", "a.txt", Blobs.CreateStagingPath()));
        (await Blobs.ListOriginalsAsync(TenantA)).ShouldBeEmpty();
    }

    [Fact]
    public async Task OpenAsync_NoSuchOriginal_LocalIsNullAndReadThrowsFileNotFound()
    {
        var key = await Blobs.StoreOriginalAsync(TenantA, "doc_1", "a.txt", Stage("aa"u8.ToArray()));
        await Blobs.DeleteOriginalsAsync(TenantA, "doc_1");

        (await Blobs.OpenLocalAsync(key)).ShouldBeNull();
        await Should.ThrowAsync<FileNotFoundException>(() => Blobs.OpenReadAsync(key));
    }

    [Fact]
    public async Task ListAndDelete_AreScopedToTheTenantAndDocumentAndIdempotent()
    {
        await Blobs.StoreOriginalAsync(TenantA, "doc_1", "a.txt", Stage("aa"u8.ToArray()));
        await Blobs.StoreOriginalAsync(TenantA, "doc_2", "b.txt", Stage("bbb"u8.ToArray()));
        var ofB = await Blobs.StoreOriginalAsync(TenantB, "doc_1", "a.txt", Stage("c"u8.ToArray()));

        (await Blobs.ListOriginalsAsync(TenantA)).Select(e => (e.Name, e.Length)).ShouldBe([("doc_1/a.txt", 2L), ("doc_2/b.txt", 3L)]);

        await Blobs.DeleteOriginalsAsync(TenantA, "doc_1");
        await Blobs.DeleteOriginalsAsync(TenantA, "doc_1");
        (await Blobs.ListOriginalsAsync(TenantA)).Select(e => e.Name).ShouldBe(["doc_2/b.txt"]);

        (await Blobs.DeleteTenantAsync(TenantA)).ShouldBe(1);
        (await Blobs.DeleteTenantAsync(TenantA)).ShouldBe(0);
        (await Blobs.ListOriginalsAsync(TenantA)).ShouldBeEmpty();
        await using var kept = await Blobs.OpenReadAsync(ofB);
        (await ReadAllAsync(kept)).ShouldBe("c"u8.ToArray());
    }

    [Fact]
    public async Task StoreOriginalAsync_InOneInstance_IsReadByAnotherSharingTheBackend()
    {
        var other = OpenSecondInstance().GetRequiredService<IBlobStore>();

        var key = await Blobs.StoreOriginalAsync(TenantA, "doc_1", "a.txt", Stage("shared"u8.ToArray()));

        await using var read = await other.OpenReadAsync(key);
        Encoding.UTF8.GetString(await ReadAllAsync(read)).ShouldBe("shared");
        (await other.ListOriginalsAsync(TenantA)).ShouldHaveSingleItem().Key.ShouldBe(key);
    }

    [Fact]
    public void DeleteStagedOlderThan_DeletesOnlyFilesWrittenBeforeTheCutoff()
    {
        var first = Stage("old"u8.ToArray());
        var second = Stage("older"u8.ToArray());

        Blobs.DeleteStagedOlderThan(DateTimeOffset.UtcNow.AddDays(-1)).ShouldBe((0, 0L));
        File.Exists(first).ShouldBeTrue();

        Blobs.DeleteStagedOlderThan(DateTimeOffset.UtcNow.AddDays(1)).ShouldBe((2, 8L));
        File.Exists(first).ShouldBeFalse();
        File.Exists(second).ShouldBeFalse();
        Blobs.GetStagedBytes().ShouldBe(0);
    }

    [Fact]
    public void DeleteStaged_Twice_DeletesAndNeverThrows()
    {
        var staged = Stage("x"u8.ToArray());

        Blobs.DeleteStaged(staged);
        Blobs.DeleteStaged(staged);

        File.Exists(staged).ShouldBeFalse();
        Blobs.GetStagedBytes().ShouldBe(0);
    }

    private string Stage(byte[] content)
    {
        var path = Blobs.CreateStagingPath();
        File.WriteAllBytes(path, content);
        return path;
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }
}
