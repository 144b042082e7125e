using AgentRag.Core.Coordination;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="IDistributedLock"/>: one holder per lease name across every instance sharing the backend,
/// no re-entrance, release on dispose, waiting with a timeout and cancellation, and well-formed names only.
/// </summary>
public abstract class DistributedLockContract : BackendContract
{
    /// <summary>How long a test lets a waiting acquire run before it fails (a guard: the release comes at once).</summary>
    private static readonly TimeSpan WaitGuard = TimeSpan.FromSeconds(30);

    private IDistributedLock Locks => Get<IDistributedLock>();

    [Fact]
    public async Task TryAcquireAsync_HeldByAnotherInstance_ReturnsNullUntilReleased()
    {
        var other = OpenSecondInstance().GetRequiredService<IDistributedLock>();

        var held = await Locks.TryAcquireAsync("worker");
        held.ShouldNotBeNull().Name.ShouldBe("worker");
        (await other.TryAcquireAsync("worker")).ShouldBeNull();

        await held.DisposeAsync();
        await using var taken = await other.TryAcquireAsync("worker");
        taken.ShouldNotBeNull();
        (await Locks.TryAcquireAsync("worker")).ShouldBeNull();
    }

    [Fact]
    public async Task TryAcquireAsync_SameInstanceTwice_IsNotReentrant()
    {
        await using var held = await Locks.TryAcquireAsync("index/tenant-a/bm25.journal");

        (await Locks.TryAcquireAsync("index/tenant-a/bm25.journal")).ShouldBeNull();
    }

    [Fact]
    public async Task TryAcquireAsync_DifferentNames_AreIndependent()
    {
        await using var a = await Locks.TryAcquireAsync("index/tenant-a/bm25.journal");
        await using var b = await Locks.TryAcquireAsync("index/tenant-b/bm25.journal");
        await using var worker = await Locks.TryAcquireAsync("worker");

        a.ShouldNotBeNull();
        b.ShouldNotBeNull();
        worker.ShouldNotBeNull();
    }

    [Fact]
    public async Task Dispose_Twice_ReleasesOnceAndStaysReleased()
    {
        var held = (await Locks.TryAcquireAsync("worker"))!;
        held.Dispose();
        var next = (await Locks.TryAcquireAsync("worker"))!;

        held.Dispose();

        (await Locks.TryAcquireAsync("worker")).ShouldBeNull();
        next.Dispose();
    }

    [Fact]
    public async Task AcquireAsync_HeldPastTheTimeout_ThrowsLeaseUnavailableNamingTheLease()
    {
        await using var held = await Locks.TryAcquireAsync("worker");
        var other = OpenSecondInstance().GetRequiredService<IDistributedLock>();

        var ex = await Should.ThrowAsync<LeaseUnavailableException>(async () => await other.AcquireAsync("worker", TimeSpan.Zero));

        ex.Name.ShouldBe("worker");
        ex.Message.ShouldContain("worker");
    }

    [Fact]
    public async Task AcquireAsync_ReleasedWhileWaiting_TakesTheLease()
    {
        var held = (await Locks.TryAcquireAsync("worker"))!;
        var other = OpenSecondInstance().GetRequiredService<IDistributedLock>();

        var waiting = other.AcquireAsync("worker", WaitGuard).AsTask();
        waiting.IsCompleted.ShouldBeFalse();
        await held.DisposeAsync();

        await using var taken = await waiting.WaitAsync(WaitGuard);
        taken.Name.ShouldBe("worker");
        (await Locks.TryAcquireAsync("worker")).ShouldBeNull();
    }

    [Fact]
    public async Task AcquireAsync_CancelledWhileWaiting_ThrowsOperationCanceled()
    {
        await using var held = await Locks.TryAcquireAsync("worker");
        using var cancel = new CancellationTokenSource();

        var waiting = Locks.AcquireAsync("worker", WaitGuard, cancel.Token).AsTask();
        await cancel.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => waiting.WaitAsync(WaitGuard));
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("index/../secrets")]
    [InlineData("a//b")]
    [InlineData("has space")]
    public async Task TryAndAcquire_MalformedName_ThrowArgumentException(string name)
    {
        await Should.ThrowAsync<ArgumentException>(async () => await Locks.TryAcquireAsync(name));
        await Should.ThrowAsync<ArgumentException>(async () => await Locks.AcquireAsync(name, TimeSpan.Zero));
    }
}
