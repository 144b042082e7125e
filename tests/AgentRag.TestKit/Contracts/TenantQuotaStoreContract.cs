using AgentRag.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="ITenantQuotaStore"/>: a tenant's storage use counts its own documents only, and the daily
/// query counter never passes its limit under concurrent requests, per tenant and per day.
/// </summary>
public abstract class TenantQuotaStoreContract : BackendContract
{
    private static readonly DateOnly Day = new(2026, 12, 6);

    private ITenantQuotaStore Quotas => Get<ITenantQuotaStore>();

    [Fact]
    public async Task GetStorageUseAsync_DocumentsOfTwoTenants_CountsOnlyTheTenantsOwn()
    {
        var documents = Get<IDocumentStore>();
        await documents.InsertAsync(NewDocument(TenantA, "first"));
        var second = NewDocument(TenantA, "second!");
        await documents.InsertAsync(second);
        await documents.InsertAsync(NewDocument(TenantB, "other tenant's"));

        (await Quotas.GetStorageUseAsync(TenantA)).ShouldBe(new TenantStorageUse(2, "first".Length + "second!".Length));
        (await Quotas.GetStorageUseAsync("tenant-none")).ShouldBe(new TenantStorageUse(0, 0));

        await documents.DeleteAsync(TenantA, second.Id);
        (await Quotas.GetStorageUseAsync(TenantA)).ShouldBe(new TenantStorageUse(1, "first".Length));
    }

    [Fact]
    public async Task TryCountQueryAsync_ConcurrentRequestsPastTheLimit_CountsExactlyTheLimitPerTenantAndDay()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Quotas.TryCountQueryAsync(TenantA, Day, 5)));

        results.Count(r => r.Counted).ShouldBe(5);
        results.Where(r => r.Counted).Select(r => r.Used).Order().ShouldBe([1L, 2L, 3L, 4L, 5L]);
        results.Where(r => !r.Counted).ShouldAllBe(r => r.Used == 5);
        (await Quotas.GetQueriesAsync(TenantA, Day)).ShouldBe(5);
        (await Quotas.GetQueriesAsync(TenantB, Day)).ShouldBe(0);
        (await Quotas.TryCountQueryAsync(TenantA, Day.AddDays(1), 5)).ShouldBe((true, 1L));
        (await Quotas.TryCountQueryAsync(TenantB, Day, 0)).ShouldBe((false, 0L));
    }

    [Fact]
    public async Task TryCountQueryAsync_TwoInstancesSharingTheStore_TogetherNeverPassTheLimit()
    {
        var other = OpenSecondInstance().GetRequiredService<ITenantQuotaStore>();

        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => (i % 2 == 0 ? Quotas : other).TryCountQueryAsync(TenantA, Day, 7)));

        results.Count(r => r.Counted).ShouldBe(7);
        (await other.GetQueriesAsync(TenantA, Day)).ShouldBe(7);
        (await Quotas.GetQueriesAsync(TenantA, Day)).ShouldBe(7);
    }

    [Fact]
    public async Task TryCountQueryAsync_CountsSurviveARestart()
    {
        await Quotas.TryCountQueryAsync(TenantA, Day, 10);
        await Quotas.TryCountQueryAsync(TenantA, Day, 10);

        await ReopenAsync();

        (await Quotas.GetQueriesAsync(TenantA, Day)).ShouldBe(2);
        (await Quotas.TryCountQueryAsync(TenantA, Day, 10)).ShouldBe((true, 3L));
    }
}
