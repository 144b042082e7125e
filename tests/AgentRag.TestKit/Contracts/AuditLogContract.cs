using AgentRag.Core.Audit;
using Shouldly;
using Xunit;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="IAuditLog"/>: increasing ids, one scope per tenant plus the platform scope, filters and
/// paging after an id, retention by <see cref="IAuditLog.PruneAsync"/> and a tenant's erasure.
/// </summary>
public abstract class AuditLogContract : BackendContract
{
    private IAuditLog Log => Get<IAuditLog>();

    [Fact]
    public async Task AppendAsync_ThenQuery_AssignsIncreasingIdsAndRoundTripsEveryField()
    {
        var entry = new AuditEntry(0, Epoch, TenantA, "alice", "admin", "document.delete", "doc_1", AuditOutcomes.Success, 204,
            "192.0.2.7", "4bf92f3577b34da6a3ce929d0e0e4736", """{"chunks":12}""");

        var first = await Log.AppendAsync(entry);
        var second = await Log.AppendAsync(entry with { Id = 999, Action = "key.create", Target = "key_1", Detail = null, Role = null, ClientIp = null, TraceId = null, Status = null });
        await ReopenAsync();

        first.Id.ShouldBeGreaterThan(0);
        second.Id.ShouldBeGreaterThan(first.Id);
        var stored = await Log.QueryAsync(new AuditQuery(TenantA));
        stored.ShouldBe([first, second]);
        stored[0].ShouldBe(entry with { Id = first.Id });
    }

    [Fact]
    public async Task QueryAsync_TenantAndPlatformScopes_NeverSeeEachOther()
    {
        var ofA = await Log.AppendAsync(Entry(TenantA, "alice", "document.upload", 0));
        var ofB = await Log.AppendAsync(Entry(TenantB, "bob", "document.upload", 1));
        var platform = await Log.AppendAsync(Entry(null, "anonymous", "auth.failure", 2));

        (await Log.QueryAsync(new AuditQuery(TenantA))).ShouldBe([ofA]);
        (await Log.QueryAsync(new AuditQuery(TenantB))).ShouldBe([ofB]);
        (await Log.QueryAsync(new AuditQuery(null))).ShouldBe([platform]);
        (await Log.QueryAsync(new AuditQuery("tenant-none"))).ShouldBeEmpty();
    }

    [Fact]
    public async Task QueryAsync_TimeWindowActorAndAction_FilterFromInclusiveToExclusive()
    {
        var entries = new List<AuditEntry>();
        for (var i = 0; i < 6; i++)
        {
            entries.Add(await Log.AppendAsync(Entry(TenantA, i % 2 == 0 ? "alice" : "bob", i < 3 ? "document.upload" : "document.delete", i)));
        }

        (await Log.QueryAsync(new AuditQuery(TenantA, From: Epoch.AddMinutes(2), To: Epoch.AddMinutes(4)))).ShouldBe(entries[2..4]);
        (await Log.QueryAsync(new AuditQuery(TenantA, Actor: "bob"))).ShouldBe([entries[1], entries[3], entries[5]]);
        (await Log.QueryAsync(new AuditQuery(TenantA, Action: "document.delete", Actor: "alice"))).ShouldBe([entries[4]]);
    }

    [Fact]
    public async Task QueryAsync_AfterIdAndLimit_PageThroughOldestFirst()
    {
        var entries = new List<AuditEntry>();
        for (var i = 0; i < 5; i++)
        {
            entries.Add(await Log.AppendAsync(Entry(TenantA, "alice", "document.upload", i)));
        }

        var first = await Log.QueryAsync(new AuditQuery(TenantA, Limit: 2));
        var second = await Log.QueryAsync(new AuditQuery(TenantA, AfterId: first[^1].Id, Limit: 2));
        var third = await Log.QueryAsync(new AuditQuery(TenantA, AfterId: second[^1].Id, Limit: 2));

        first.Concat(second).Concat(third).ShouldBe(entries);
        (await Log.QueryAsync(new AuditQuery(TenantA, AfterId: entries[^1].Id))).ShouldBeEmpty();
    }

    [Fact]
    public async Task QueryAsync_NonPositiveLimit_ThrowsArgumentOutOfRange()
    {
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Log.QueryAsync(new AuditQuery(TenantA, Limit: 0)));
    }

    [Fact]
    public async Task AppendAsync_Concurrently_GivesEveryEntryItsOwnId()
    {
        var appended = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Log.AppendAsync(Entry(i % 2 == 0 ? TenantA : null, "alice", "document.upload", i))));

        appended.Select(e => e.Id).Distinct().Count().ShouldBe(40);
        (await Log.QueryAsync(new AuditQuery(TenantA))).Select(e => e.Id).ShouldBe(appended.Where(e => e.TenantId == TenantA).Select(e => e.Id).Order());
    }

    [Fact]
    public async Task PruneAsync_DeletesOlderEntriesOfEveryScopeAndIsIdempotent()
    {
        await Log.AppendAsync(Entry(TenantA, "alice", "document.upload", 0));
        await Log.AppendAsync(Entry(null, "anonymous", "auth.failure", 1));
        var kept = await Log.AppendAsync(Entry(TenantA, "alice", "document.delete", 2));
        var keptPlatform = await Log.AppendAsync(Entry(null, "anonymous", "auth.failure", 3));

        (await Log.PruneAsync(Epoch.AddMinutes(2))).ShouldBe(2);
        (await Log.PruneAsync(Epoch.AddMinutes(2))).ShouldBe(0);

        (await Log.QueryAsync(new AuditQuery(TenantA))).ShouldBe([kept]);
        (await Log.QueryAsync(new AuditQuery(null))).ShouldBe([keptPlatform]);
    }

    [Fact]
    public async Task EraseTenantAsync_DeletesThatTenantOnlyNeverThePlatformScope()
    {
        await Log.AppendAsync(Entry(TenantA, "alice", "document.upload", 0));
        await Log.AppendAsync(Entry(TenantA, "alice", "document.delete", 1));
        var ofB = await Log.AppendAsync(Entry(TenantB, "bob", "document.upload", 2));
        var platform = await Log.AppendAsync(Entry(null, "admin", "tenant.erase", 3));

        (await Log.EraseTenantAsync(TenantA)).ShouldBe(2);
        (await Log.EraseTenantAsync(TenantA)).ShouldBe(0);

        (await Log.QueryAsync(new AuditQuery(TenantA))).ShouldBeEmpty();
        (await Log.QueryAsync(new AuditQuery(TenantB))).ShouldBe([ofB]);
        (await Log.QueryAsync(new AuditQuery(null))).ShouldBe([platform]);
    }

    private static AuditEntry Entry(string? tenantId, string actor, string action, int minutes) =>
        new(0, Epoch.AddMinutes(minutes), tenantId, actor, "member", action, $"target-{minutes}", AuditOutcomes.Success, 200, null, null);
}
