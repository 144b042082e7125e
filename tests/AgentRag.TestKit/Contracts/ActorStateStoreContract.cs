using AgentRag.Core.Actors;
using Shouldly;
using Xunit;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="IActorStateStore"/>: state and reminders scoped by the whole actor id (type, tenant, id),
/// replaced by the last write, durable once written, and deleted with their actor; and optimistic concurrency by ETag, so
/// two hosts that both think they own an actor (a split brain in a cluster) cannot overwrite each other unnoticed.
/// </summary>
public abstract class ActorStateStoreContract : BackendContract
{
    private static readonly ActorId Workflow = new("workflow", TenantA, "wf_1");

    private IActorStateStore Store => Get<IActorStateStore>();

    [Fact]
    public async Task ReadStateAsync_NothingWritten_ReturnsNull()
    {
        (await Store.ReadStateAsync(Workflow, "state")).ShouldBeNull();
        (await Store.ListRemindersAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task WriteStateAsync_TwiceUnderOneKey_TheLastWriteIsReadAfterARestart()
    {
        await Store.WriteStateAsync(Workflow, "state", """{"status":"running"}""");
        await Store.WriteStateAsync(Workflow, "state", """{"status":"paused","pending":["approve"]}""");
        await Store.WriteStateAsync(Workflow, "plan", """{"steps":3}""");

        await ReopenAsync();

        (await Store.ReadStateAsync(Workflow, "state")).ShouldBe("""{"status":"paused","pending":["approve"]}""");
        (await Store.ReadStateAsync(Workflow, "plan")).ShouldBe("""{"steps":3}""");
    }

    [Fact]
    public async Task WriteStateAsync_SameKeyOfActorsDifferingInTenantTypeOrId_AreSeparate()
    {
        ActorId[] actors = [Workflow, new("workflow", TenantB, "wf_1"), new("session", TenantA, "wf_1"), new("workflow", TenantA, "wf_2")];

        for (var i = 0; i < actors.Length; i++)
        {
            await Store.WriteStateAsync(actors[i], "state", $$"""{"actor":{{i}}}""");
        }

        for (var i = 0; i < actors.Length; i++)
        {
            (await Store.ReadStateAsync(actors[i], "state")).ShouldBe($$"""{"actor":{{i}}}""");
        }
    }

    [Fact]
    public async Task WriteStateAsync_ConcurrentWritesOfManyActors_EveryOneLands()
    {
        var actors = Enumerable.Range(0, 50).Select(i => new ActorId("workflow", i % 2 == 0 ? TenantA : TenantB, $"wf_{i}")).ToList();

        await Task.WhenAll(actors.Select(a => Store.WriteStateAsync(a, "state", $$"""{"id":"{{a.Id}}"}""")));

        foreach (var actor in actors)
        {
            (await Store.ReadStateAsync(actor, "state")).ShouldBe($$"""{"id":"{{actor.Id}}"}""");
        }
    }

    [Fact]
    public async Task WriteStateAsync_ConcurrentWritesToOneKey_LeaveExactlyOneOfTheWrittenValues()
    {
        // An unconditional write is an actor's turn writing as its single writer. Concurrent writers (which a correct host
        // never has) must still leave one whole value, never a mix or nothing.
        var values = Enumerable.Range(0, 20).Select(i => $$"""{"writer":{{i}},"padding":"{{new string('x', 4096)}}"}""").ToList();

        await Task.WhenAll(values.Select(v => Store.WriteStateAsync(Workflow, "state", v)));

        values.ShouldContain((await Store.ReadStateAsync(Workflow, "state"))!);
    }

    [Fact]
    public async Task SaveReminderAsync_ThenList_RoundTripsEveryTenantsRemindersAndReplacesByName()
    {
        var other = new ActorId("workflow", TenantB, "wf_9");
        var timeout = new ActorReminder(Workflow, "approval-timeout", Epoch.AddHours(1), null, """{"approval":"apr_1"}""");
        var heartbeat = new ActorReminder(other, "heartbeat", Epoch.AddMinutes(5), TimeSpan.FromMinutes(5), null);
        await Store.SaveReminderAsync(timeout);
        await Store.SaveReminderAsync(heartbeat);
        var moved = timeout with { DueAt = Epoch.AddHours(2), Payload = """{"approval":"apr_1","escalations":1}""" };

        await Store.SaveReminderAsync(moved);
        await ReopenAsync();

        var reminders = await Store.ListRemindersAsync();
        reminders.ShouldBe([moved, heartbeat], ignoreOrder: true);
        reminders.Single(r => r.Name == "approval-timeout").DueAt.UtcTicks.ShouldBe(Epoch.AddHours(2).UtcTicks);
    }

    [Fact]
    public async Task DeleteReminderAsync_RemovesThatReminderOnlyAndIsIdempotent()
    {
        var kept = new ActorReminder(Workflow, "kept", Epoch, null, null);
        var sameNameElsewhere = new ActorReminder(new ActorId("workflow", TenantB, "wf_1"), "timeout", Epoch, null, null);
        await Store.SaveReminderAsync(new ActorReminder(Workflow, "timeout", Epoch, null, null));
        await Store.SaveReminderAsync(kept);
        await Store.SaveReminderAsync(sameNameElsewhere);

        await Store.DeleteReminderAsync(Workflow, "timeout");
        await Store.DeleteReminderAsync(Workflow, "timeout");

        (await Store.ListRemindersAsync()).ShouldBe([kept, sameNameElsewhere], ignoreOrder: true);
    }

    [Fact]
    public async Task DeleteActorAsync_RemovesItsStateAndRemindersOnlyAndIsIdempotent()
    {
        var neighbour = new ActorId("workflow", TenantB, Workflow.Id);
        await Store.WriteStateAsync(Workflow, "state", "{}");
        await Store.WriteStateAsync(Workflow, "plan", "{}");
        await Store.SaveReminderAsync(new ActorReminder(Workflow, "timeout", Epoch, null, null));
        await Store.WriteStateAsync(neighbour, "state", """{"kept":true}""");
        var neighboursReminder = new ActorReminder(neighbour, "timeout", Epoch, null, null);
        await Store.SaveReminderAsync(neighboursReminder);

        await Store.DeleteActorAsync(Workflow);
        await Store.DeleteActorAsync(Workflow);
        await ReopenAsync();

        (await Store.ReadStateAsync(Workflow, "state")).ShouldBeNull();
        (await Store.ReadStateAsync(Workflow, "plan")).ShouldBeNull();
        (await Store.ReadStateAsync(neighbour, "state")).ShouldBe("""{"kept":true}""");
        (await Store.ListRemindersAsync()).ShouldBe([neighboursReminder]);
    }

    [Fact]
    public async Task WriteStateIfMatchAsync_NothingStoredAndNoETag_StoresAndTheETagReadsBack()
    {
        var etag = await Store.WriteStateIfMatchAsync(Workflow, "state", """{"status":"running"}""", expectedETag: null);

        await ReopenAsync();

        var entry = (await Store.ReadStateEntryAsync(Workflow, "state")).ShouldNotBeNull();
        entry.Json.ShouldBe("""{"status":"running"}""");
        entry.ETag.ShouldBe(etag);
        (await Store.ReadStateEntryAsync(Workflow, "plan")).ShouldBeNull();
    }

    [Fact]
    public async Task WriteStateIfMatchAsync_MatchingETag_ReplacesAndIssuesANewETag()
    {
        var first = await Store.WriteStateIfMatchAsync(Workflow, "state", """{"v":1}""", null);

        var second = await Store.WriteStateIfMatchAsync(Workflow, "state", """{"v":2}""", first);

        second.ShouldNotBe(first);
        (await Store.ReadStateEntryAsync(Workflow, "state")).ShouldBe(new ActorStateEntry("""{"v":2}""", second));
    }

    [Fact]
    public async Task WriteStateIfMatchAsync_AnotherInstanceWroteMeanwhile_ThrowsConflictAndKeepsTheirState()
    {
        var read = await Store.WriteStateIfMatchAsync(Workflow, "state", """{"owner":"a"}""", null);
        var other = OpenSecondInstance().GetService(typeof(IActorStateStore)).ShouldBeAssignableTo<IActorStateStore>()!;
        var theirs = await other.WriteStateIfMatchAsync(Workflow, "state", """{"owner":"b"}""", read);

        var ex = await Should.ThrowAsync<ActorStateConflictException>(() => Store.WriteStateIfMatchAsync(Workflow, "state", """{"owner":"a","step":2}""", read));

        ex.Actor.ShouldBe(Workflow);
        ex.ExpectedETag.ShouldBe(read);
        ex.ActualETag.ShouldBe(theirs);
        ex.Message.ShouldContain(Workflow.ToString());
        (await Store.ReadStateAsync(Workflow, "state")).ShouldBe("""{"owner":"b"}""");
    }

    [Fact]
    public async Task WriteStateIfMatchAsync_NoETagButSomethingStored_ThrowsConflict()
    {
        await Store.WriteStateAsync(Workflow, "state", """{"v":1}""");

        var ex = await Should.ThrowAsync<ActorStateConflictException>(() => Store.WriteStateIfMatchAsync(Workflow, "state", """{"v":2}""", null));

        ex.ExpectedETag.ShouldBeNull();
        ex.ActualETag.ShouldNotBeNull();
        (await Store.ReadStateAsync(Workflow, "state")).ShouldBe("""{"v":1}""");
    }

    [Fact]
    public async Task WriteStateIfMatchAsync_EntryDeletedMeanwhile_ThrowsConflict()
    {
        var etag = await Store.WriteStateIfMatchAsync(Workflow, "state", """{"v":1}""", null);
        await Store.DeleteActorAsync(Workflow);

        var ex = await Should.ThrowAsync<ActorStateConflictException>(() => Store.WriteStateIfMatchAsync(Workflow, "state", """{"v":2}""", etag));

        ex.ActualETag.ShouldBeNull();
        (await Store.ReadStateAsync(Workflow, "state")).ShouldBeNull();
    }

    [Fact]
    public async Task WriteStateAsync_Unconditional_ChangesTheETagSoAnOlderConditionalWriteFails()
    {
        var etag = await Store.WriteStateIfMatchAsync(Workflow, "state", """{"v":1}""", null);

        await Store.WriteStateAsync(Workflow, "state", """{"v":1}""");

        (await Store.ReadStateEntryAsync(Workflow, "state"))!.ETag.ShouldNotBe(etag);
        await Should.ThrowAsync<ActorStateConflictException>(() => Store.WriteStateIfMatchAsync(Workflow, "state", """{"v":3}""", etag));
    }

    [Fact]
    public async Task WriteStateIfMatchAsync_ConcurrentWritersWithOneETag_ExactlyOneWins()
    {
        var etag = await Store.WriteStateIfMatchAsync(Workflow, "state", """{"v":0}""", null);
        var other = OpenSecondInstance().GetService(typeof(IActorStateStore)).ShouldBeAssignableTo<IActorStateStore>()!;

        var attempts = await Task.WhenAll(Enumerable.Range(1, 16).Select(async i =>
        {
            try
            {
                await (i % 2 == 0 ? Store : other).WriteStateIfMatchAsync(Workflow, "state", $$"""{"v":{{i}}}""", etag);
                return i;
            }
            catch (ActorStateConflictException)
            {
                return 0;
            }
        }));

        var winner = attempts.Where(i => i != 0).ShouldHaveSingleItem();
        (await Store.ReadStateAsync(Workflow, "state")).ShouldBe($$"""{"v":{{winner}}}""");
    }

    [Theory]
    [InlineData("")]
    [InlineData("W/\"1\"")]
    [InlineData("0")]
    [InlineData("-1")]
    public async Task WriteStateIfMatchAsync_AnETagNoStoreIssued_ThrowsArgumentException(string etag)
    {
        await Should.ThrowAsync<ArgumentException>(async () => await Store.WriteStateIfMatchAsync(Workflow, "state", "{}", etag));
    }
}
