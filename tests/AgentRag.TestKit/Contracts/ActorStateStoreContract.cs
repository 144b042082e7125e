using AgentRag.Core.Actors;
using Shouldly;
using Xunit;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="IActorStateStore"/>: state and reminders scoped by the whole actor id (type, tenant, id),
/// replaced by the last write, durable once written, and deleted with their actor.
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
        // The port has no ETag: an actor's turn is its single writer. Concurrent writers (which a correct host never
        // has) must still leave one whole value, never a mix or nothing.
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
}
