using AgentRag.Storage.Sqlite.Benchmarks;
using AgentRag.TestKit;

namespace AgentRag.Storage.Sqlite.Tests;

/// <summary>Checks the benchmark's bookkeeping on a tiny run; its speed is measured by <c>agentrag bench store</c>, not here.</summary>
public sealed class StoreBenchmarkTests : IDisposable
{
    private readonly TempDirectory _directory = new("store-benchmark");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task RunAsync_TinyRun_ReportsConsistentCounts()
    {
        var options = new StoreBenchmarkOptions { GroupCommitRows = 3_000, Producers = 3, SingleTransactionRows = 20, PreloadRows = 100, Readers = 1 };

        var result = await new StoreBenchmark().RunAsync(_directory.Combine("run"), options);

        result.GroupCommitRows.ShouldBe(3_000);
        result.GroupCommits.ShouldBeInRange(1, 3_001);
        result.AverageRowsPerCommit.ShouldBe(3_000.0 / result.GroupCommits, tolerance: 1e-9);
        result.GroupCommitRowsPerSecond.ShouldBeGreaterThan(0);
        result.SingleTransactionRows.ShouldBe(20);
        result.SingleTransactionRowsPerSecond.ShouldBeGreaterThan(0);
        result.ReadP50Microseconds.ShouldBeLessThanOrEqualTo(result.ReadP95Microseconds);
        result.ReadP95Microseconds.ShouldBeLessThanOrEqualTo(result.ReadP99Microseconds);
    }

    [Fact]
    public async Task RunAsync_NonEmptyFolder_ThrowsWithoutTouchingIt()
    {
        var existing = _directory.Combine("agentrag.db");
        await File.WriteAllTextAsync(existing, "real data");

        var ex = await Should.ThrowAsync<ArgumentException>(() => new StoreBenchmark().RunAsync(_directory.Path));

        ex.Message.ShouldContain("not empty");
        (await File.ReadAllTextAsync(existing)).ShouldBe("real data");
    }
}
