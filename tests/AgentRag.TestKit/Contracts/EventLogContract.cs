using AgentRag.Core.Events;
using Shouldly;
using Xunit;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="IEventLog"/>: gapless per-stream numbering, replay after a sequence, live subscription,
/// durability across a restart, tenant isolation and stream deletion.
/// </summary>
public abstract class EventLogContract : BackendContract
{
    /// <summary>How long a test waits for a live event before it fails (a guard, not a delay: events arrive at once).</summary>
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(30);

    private IEventLog Log => Get<IEventLog>();

    [Fact]
    public async Task AppendAsync_TwoStreamsAndTwoTenants_NumberedIndependentlyFromOne()
    {
        var first = await Log.AppendAsync(TenantA, "s1", "a", "{}");
        var second = await Log.AppendAsync(TenantA, "s1", "b", "{}");
        var otherStream = await Log.AppendAsync(TenantA, "s2", "c", "{}");
        var otherTenant = await Log.AppendAsync(TenantB, "s1", "d", "{}");

        (first.Sequence, second.Sequence, otherStream.Sequence, otherTenant.Sequence).ShouldBe((1L, 2L, 1L, 1L));
        (await Log.ReadAsync(TenantA, "s1", 0)).Select(e => e.Type).ShouldBe(["a", "b"]);
        (await Log.ReadAsync(TenantB, "s1", 0)).Select(e => (e.TenantId, e.Type)).ShouldBe([(TenantB, "d")]);
    }

    [Fact]
    public async Task AppendAsync_ReturnsTheStoredEventStampedByTheClock()
    {
        Clock.Advance(TimeSpan.FromMinutes(3));

        var appended = await Log.AppendAsync(TenantA, "workflow:a", "step.started", """{"step":"retrieve"}""");

        appended.ShouldBe(new StoredEvent(TenantA, "workflow:a", 1, "step.started", """{"step":"retrieve"}""", Clock.GetUtcNow()));
        (await Log.ReadAsync(TenantA, "workflow:a", 0)).ShouldHaveSingleItem().ShouldBe(appended);
    }

    [Fact]
    public async Task ReadAsync_AfterASequence_ReplaysTheRestOldestFirstUpToMaxCount()
    {
        for (var i = 1; i <= 10; i++)
        {
            await Log.AppendAsync(TenantA, "s1", "token", $$"""{"i":{{i}}}""");
        }

        (await Log.ReadAsync(TenantA, "s1", 7)).Select(e => e.Sequence).ShouldBe([8L, 9L, 10L]);
        (await Log.ReadAsync(TenantA, "s1", 2, maxCount: 3)).Select(e => e.Data).ShouldBe(["""{"i":3}""", """{"i":4}""", """{"i":5}"""]);
        (await Log.ReadAsync(TenantA, "s1", 10)).ShouldBeEmpty();
        (await Log.ReadAsync(TenantA, "unknown-stream", 0)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ReadAsync_AfterAppendsThatDidNotWait_SeesEveryPublishedEvent()
    {
        using var subscription = Log.Subscribe(TenantA, "workflow:a");
        for (var i = 0; i < 500; i++)
        {
            await Log.AppendAsync(TenantA, "workflow:a", "token", $$"""{"i":{{i}}}""", waitForCommit: false);
        }

        // A late reader subscribed, then reads the backlog: it must not find a gap before the live events.
        var backlog = await Log.ReadAsync(TenantA, "workflow:a", 0, 1000);

        backlog.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, 500).Select(i => (long)i));
    }

    [Fact]
    public async Task AppendAsync_ConcurrentAppendsToOneStream_GetGaplessDistinctSequences()
    {
        var appended = await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
            Log.AppendAsync(TenantA, "s1", "token", $$"""{"i":{{i}}}""", waitForCommit: i % 2 == 0)));

        appended.Select(e => e.Sequence).Order().ShouldBe(Enumerable.Range(1, 64).Select(i => (long)i));
        var stored = await Log.ReadAsync(TenantA, "s1", 0);
        stored.Select(e => (e.Sequence, e.Data)).ShouldBe(appended.OrderBy(e => e.Sequence).Select(e => (e.Sequence, e.Data)));
    }

    [Fact]
    public async Task Subscribe_ThenAppend_DeliversTheStreamsEventsInOrder()
    {
        using var subscription = Log.Subscribe(TenantA, "workflow:a");

        var appended = new List<StoredEvent>();
        for (var i = 0; i < 5; i++)
        {
            appended.Add(await Log.AppendAsync(TenantA, "workflow:a", "token", $$"""{"i":{{i}}}""", waitForCommit: i % 2 == 0));
        }

        var received = await ReceiveAsync(subscription, 5);
        received.ShouldBe(appended);
    }

    [Fact]
    public async Task Subscribe_OtherStreamOrTenant_ReceivesNoneOfTheirEvents()
    {
        using var otherTenant = Log.Subscribe(TenantB, "workflow:a");
        using var otherStream = Log.Subscribe(TenantA, "workflow:b");

        await Log.AppendAsync(TenantA, "workflow:a", "secret", "{}");
        var tenantMarker = await Log.AppendAsync(TenantB, "workflow:a", "marker", "{}");
        var streamMarker = await Log.AppendAsync(TenantA, "workflow:b", "marker", "{}");

        (await ReceiveAsync(otherTenant, 1)).ShouldBe([tenantMarker]);
        (await ReceiveAsync(otherStream, 1)).ShouldBe([streamMarker]);
        otherTenant.Reader.TryRead(out _).ShouldBeFalse();
        otherStream.Reader.TryRead(out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Subscribe_BeforeReadingTheBacklog_MissesNothingBetweenTheTwo()
    {
        await Log.AppendAsync(TenantA, "s1", "early", "{}");
        await Log.AppendAsync(TenantA, "s1", "early", "{}");

        // The documented pattern: subscribe, read the backlog, then take live events skipping what was read.
        using var subscription = Log.Subscribe(TenantA, "s1");
        var appendedMeanwhile = await Log.AppendAsync(TenantA, "s1", "meanwhile", "{}", waitForCommit: false);
        var backlog = await Log.ReadAsync(TenantA, "s1", 0);
        var late = await Log.AppendAsync(TenantA, "s1", "late", "{}");

        var seen = backlog.Select(e => e.Sequence).ToHashSet();
        var live = new List<StoredEvent>();
        while (live.Count == 0 || live[^1].Sequence < late.Sequence)
        {
            var next = (await ReceiveAsync(subscription, 1))[0];
            if (seen.Add(next.Sequence))
            {
                live.Add(next);
            }
        }

        seen.Order().ShouldBe([1L, 2L, 3L, 4L]);
        backlog.Select(e => e.Type).ShouldContain(appendedMeanwhile.Type);
    }

    [Fact]
    public async Task Subscription_Disposed_CompletesAndReceivesNothingMore()
    {
        var subscription = Log.Subscribe(TenantA, "s1");
        subscription.Dispose();

        await Log.AppendAsync(TenantA, "s1", "after", "{}");

        using var timeout = new CancellationTokenSource(DeliveryTimeout);
        var received = new List<StoredEvent>();
        await foreach (var storedEvent in subscription.ReadAllAsync(timeout.Token))
        {
            received.Add(storedEvent);
        }

        received.ShouldBeEmpty();
    }

    [Fact]
    public async Task AppendAsync_AfterARestart_ContinuesTheStreamsNumbering()
    {
        await Log.AppendAsync(TenantA, "s1", "a", "{}");
        await Log.AppendAsync(TenantA, "s1", "b", "{}");

        await ReopenAsync();
        var next = await Log.AppendAsync(TenantA, "s1", "c", "{}");

        next.Sequence.ShouldBe(3);
        (await Log.ReadAsync(TenantA, "s1", 0)).Select(e => (e.Sequence, e.Type)).ShouldBe([(1L, "a"), (2L, "b"), (3L, "c")]);
    }

    [Fact]
    public async Task DeleteStreamAsync_RemovesThatStreamOnlyAndIsIdempotent()
    {
        await Log.AppendAsync(TenantA, "s1", "a", "{}");
        await Log.AppendAsync(TenantA, "s1", "b", "{}", waitForCommit: false);
        await Log.AppendAsync(TenantA, "s2", "kept", "{}");
        await Log.AppendAsync(TenantB, "s1", "kept", "{}");

        await Log.DeleteStreamAsync(TenantA, "s1");
        await Log.DeleteStreamAsync(TenantA, "s1");
        await ReopenAsync();

        (await Log.ReadAsync(TenantA, "s1", 0)).ShouldBeEmpty();
        (await Log.ReadAsync(TenantA, "s2", 0)).Select(e => e.Type).ShouldBe(["kept"]);
        (await Log.ReadAsync(TenantB, "s1", 0)).Select(e => e.Type).ShouldBe(["kept"]);
    }

    private static async Task<List<StoredEvent>> ReceiveAsync(EventSubscription subscription, int count)
    {
        using var timeout = new CancellationTokenSource(DeliveryTimeout);
        var received = new List<StoredEvent>();
        while (received.Count < count)
        {
            received.Add(await subscription.Reader.ReadAsync(timeout.Token));
        }

        return received;
    }
}
