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
}
