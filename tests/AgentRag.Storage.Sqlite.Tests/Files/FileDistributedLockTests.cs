using AgentRag.Core.Coordination;
using AgentRag.TestKit;
using Shouldly;
using Xunit;

namespace AgentRag.Storage.Sqlite.Tests.Files;

public sealed class FileDistributedLockTests : IDisposable
{
    private readonly TempDirectory _data = new("agentrag-leases");

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task TryAcquire_HeldByAnotherInstance_ReturnsNullUntilReleased()
    {
        var server = new FileDistributedLock(_data.Path);
        var cli = new FileDistributedLock(_data.Path);

        var held = await server.TryAcquireAsync("index/t1/bm25.journal");
        held.ShouldNotBeNull();
        held.Name.ShouldBe("index/t1/bm25.journal");
        (await cli.TryAcquireAsync("index/t1/bm25.journal")).ShouldBeNull();
        (await cli.TryAcquireAsync("index/t2/bm25.journal")).ShouldNotBeNull().Dispose();

        await held.DisposeAsync();
        using var taken = await cli.TryAcquireAsync("index/t1/bm25.journal");
        taken.ShouldNotBeNull();
    }

    [Fact]
    public async Task TryAcquire_SameInstanceTwice_IsNotReentrant()
    {
        var locks = new FileDistributedLock(_data.Path);
        using var first = await locks.TryAcquireAsync(LeaseNames.IngestionRecovery);
        first.ShouldNotBeNull();
        (await locks.TryAcquireAsync(LeaseNames.IngestionRecovery)).ShouldBeNull();
    }

    [Fact]
    public async Task Lease_UsesTheLockFilesOfEarlierReleases()
    {
        var locks = new FileDistributedLock(_data.Path);
        locks.GetLockFilePath(LeaseNames.IngestionRecovery).ShouldBe(_data.Combine("worker.lock"));
        locks.GetLockFilePath(LeaseNames.IndexFiles("t1", "bm25.journal")).ShouldBe(_data.Combine("index", "t1", "bm25.journal.lock"));

        // A process of an earlier release locks the file itself: the lease is unavailable meanwhile.
        Directory.CreateDirectory(_data.Combine("index", "t1"));
        using (new FileStream(_data.Combine("index", "t1", "bm25.journal.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            (await locks.TryAcquireAsync(LeaseNames.IndexFiles("t1", "bm25.journal"))).ShouldBeNull();
        }

        (await locks.TryAcquireAsync(LeaseNames.IndexFiles("t1", "bm25.journal"))).ShouldNotBeNull().Dispose();
    }

    [Fact]
    public async Task Acquire_HeldPastTheTimeout_ThrowsNamingTheLease()
    {
        using var held = await new FileDistributedLock(_data.Path).TryAcquireAsync("worker");

        var error = await Should.ThrowAsync<LeaseUnavailableException>(() => new FileDistributedLock(_data.Path).AcquireAsync("worker", TimeSpan.Zero).AsTask());

        error.Name.ShouldBe("worker");
        error.Message.ShouldContain("'worker'");
        error.Message.ShouldContain("worker.lock");
    }

    [Fact]
    public async Task Acquire_ReleasedWhileWaiting_TakesTheLease()
    {
        var held = await new FileDistributedLock(_data.Path).TryAcquireAsync("worker");

        var waiting = new FileDistributedLock(_data.Path).AcquireAsync("worker", TimeSpan.FromMinutes(1)).AsTask();
        waiting.IsCompleted.ShouldBeFalse();
        held!.Dispose();

        using var lease = await waiting;
        lease.Name.ShouldBe("worker");
    }

    [Fact]
    public async Task Acquire_Cancelled_ThrowsOperationCanceled()
    {
        using var held = await new FileDistributedLock(_data.Path).TryAcquireAsync("worker");
        using var cancellation = new CancellationTokenSource();

        var waiting = new FileDistributedLock(_data.Path).AcquireAsync("worker", TimeSpan.FromMinutes(1), cancellation.Token).AsTask();
        await cancellation.CancelAsync();

        (await Record.ExceptionAsync(() => waiting)).ShouldBeAssignableTo<OperationCanceledException>();
    }

    [Theory]
    [InlineData("")]
    [InlineData("../outside")]
    [InlineData("index//t1")]
    [InlineData("a/./b")]
    [InlineData("with space")]
    [InlineData("/absolute")]
    public async Task TryAcquire_MalformedName_Throws(string name)
    {
        var locks = new FileDistributedLock(_data.Path);
        await Should.ThrowAsync<ArgumentException>(() => locks.TryAcquireAsync(name).AsTask());
    }
}
