using AgentRag.Core.Coordination;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="IRateLimitCounter"/>: counts to the limit and no further across every instance sharing the
/// backend, even when they count at once; a later window starts afresh; an earlier window (a lagging clock) never resets
/// the count; keys are independent.
/// </summary>
public abstract class RateLimitCounterContract : BackendContract
{
    private static readonly DateTimeOffset WindowEnd = new(2026, 12, 7, 12, 1, 0, TimeSpan.Zero);

    private IRateLimitCounter Counter => Get<IRateLimitCounter>();

    [Fact]
    public async Task TryCountAsync_ThreeInstancesAtOnce_CountExactlyToTheLimit()
    {
        IRateLimitCounter[] counters = [Counter, OpenSecondInstance().GetRequiredService<IRateLimitCounter>(), OpenSecondInstance().GetRequiredService<IRateLimitCounter>()];

        var results = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => counters[i % 3].TryCountAsync("Requests:key-1", WindowEnd, 1, 50).AsTask()));

        results.Count(counted => counted).ShouldBe(50);
        (await Counter.TryCountAsync("Requests:key-2", WindowEnd, 1, 50)).ShouldBeTrue();
    }

    [Fact]
    public async Task TryCountAsync_NextWindow_StartsAfreshAndAnEarlierWindowCountsIntoTheCurrent()
    {
        (await Counter.TryCountAsync("key", WindowEnd, 2, 3)).ShouldBeTrue();
        (await Counter.TryCountAsync("key", WindowEnd, 2, 3)).ShouldBeFalse();
        (await Counter.TryCountAsync("key", WindowEnd, 1, 3)).ShouldBeTrue();
        (await Counter.TryCountAsync("key", WindowEnd, 1, 3)).ShouldBeFalse();

        var next = WindowEnd.AddMinutes(1);
        (await Counter.TryCountAsync("key", next, 3, 3)).ShouldBeTrue();
        (await Counter.TryCountAsync("key", WindowEnd, 1, 3)).ShouldBeFalse();
        (await Counter.TryCountAsync("key", next.AddMinutes(5), 1, 3)).ShouldBeTrue();
    }

    [Fact]
    public async Task TryCountAsync_PermitsOutOfRange_Throws()
    {
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Counter.TryCountAsync("key", WindowEnd, 0, 3).AsTask());
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Counter.TryCountAsync("key", WindowEnd, 4, 3).AsTask());
    }
}
