using System.Security.Cryptography;
using AgentRag.Core.Security;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="IApiKeyStore"/>: keys found by their hash, unique ids and hashes, tenant-filtered lists
/// newest first, revocation that is idempotent and tenant-checked, use times that reach the store, and one key secret
/// shared by every instance over the store.
/// </summary>
public abstract class ApiKeyStoreContract : BackendContract
{
    private IApiKeyStore Store => Get<IApiKeyStore>();

    [Fact]
    public async Task CreateAsync_ThenFindByHashAndGet_RoundTripEveryField()
    {
        var key = NewKey(TenantA, "key_a1", minutes: 0) with { Role = TenantRole.Admin, PlatformAdmin = true, ExpiresAt = Epoch.AddDays(30) };
        var hash = NewHash();

        await Store.CreateAsync(key, hash);
        await ReopenAsync();

        (await Store.FindByHashAsync(hash)).ShouldBe(key);
        (await Store.GetAsync("key_a1")).ShouldBe(key);
    }

    [Fact]
    public async Task FindByHashAndGet_Unknown_ReturnNull()
    {
        await Store.CreateAsync(NewKey(TenantA, "key_a1", 0), NewHash());

        (await Store.FindByHashAsync(NewHash())).ShouldBeNull();
        (await Store.GetAsync("key_unknown")).ShouldBeNull();
    }

    [Fact]
    public async Task CreateAsync_ExistingIdOrHash_ThrowsInvalidOperationAndKeepsTheFirst()
    {
        var first = NewKey(TenantA, "key_a1", 0);
        var hash = NewHash();
        await Store.CreateAsync(first, hash);

        await Should.ThrowAsync<InvalidOperationException>(() => Store.CreateAsync(NewKey(TenantB, "key_a1", 1), NewHash()));
        await Should.ThrowAsync<InvalidOperationException>(() => Store.CreateAsync(NewKey(TenantB, "key_b1", 1), hash));

        (await Store.FindByHashAsync(hash)).ShouldBe(first);
        (await Store.GetAsync("key_b1")).ShouldBeNull();
        (await Store.ListAsync(null)).ShouldBe([first]);
    }

    [Fact]
    public async Task AnyAsync_IsFalseUntilAKeyExistsAndStaysTrueAfterRevocation()
    {
        (await Store.AnyAsync()).ShouldBeFalse();

        await Store.CreateAsync(NewKey(TenantA, "key_a1", 0), NewHash());
        await Store.RevokeAsync("key_a1", null, Epoch);

        (await Store.AnyAsync()).ShouldBeTrue();
    }

    [Fact]
    public async Task ListAsync_ByTenantOrAll_NewestFirst()
    {
        var a1 = NewKey(TenantA, "key_a1", 0);
        var b1 = NewKey(TenantB, "key_b1", 1);
        var a2 = NewKey(TenantA, "key_a2", 2);
        foreach (var key in new[] { a1, b1, a2 })
        {
            await Store.CreateAsync(key, NewHash());
        }

        (await Store.ListAsync(TenantA)).ShouldBe([a2, a1]);
        (await Store.ListAsync(TenantB)).ShouldBe([b1]);
        (await Store.ListAsync(null)).ShouldBe([a2, b1, a1]);
        (await Store.ListAsync("tenant-none")).ShouldBeEmpty();
    }

    [Fact]
    public async Task RevokeAsync_Twice_KeepsTheFirstTimeAndFindByHashSeesIt()
    {
        var key = NewKey(TenantA, "key_a1", 0);
        var hash = NewHash();
        await Store.CreateAsync(key, hash);

        var revoked = await Store.RevokeAsync("key_a1", TenantA, Epoch.AddHours(1));
        var again = await Store.RevokeAsync("key_a1", null, Epoch.AddHours(2));
        await ReopenAsync();

        revoked.ShouldBe(key with { RevokedAt = Epoch.AddHours(1) });
        again!.RevokedAt.ShouldBe(Epoch.AddHours(1));
        var found = (await Store.FindByHashAsync(hash))!;
        found.RevokedAt.ShouldBe(Epoch.AddHours(1));
        found.IsActiveAt(Epoch.AddHours(3)).ShouldBeFalse();
    }

    [Fact]
    public async Task RevokeAsync_InOneInstance_IsSeenByTheNextFindInAnotherSharingTheStore()
    {
        var hash = NewHash();
        await Store.CreateAsync(NewKey(TenantA, "key_a1", 0), hash);
        var other = OpenSecondInstance().GetRequiredService<IApiKeyStore>();
        (await other.FindByHashAsync(hash))!.RevokedAt.ShouldBeNull();

        await Store.RevokeAsync("key_a1", TenantA, Epoch.AddHours(1));

        (await other.FindByHashAsync(hash))!.RevokedAt.ShouldBe(Epoch.AddHours(1));
    }

    [Fact]
    public async Task RevokeAsync_OtherTenantOrUnknownKey_ReturnsNullAndRevokesNothing()
    {
        await Store.CreateAsync(NewKey(TenantA, "key_a1", 0), NewHash());

        (await Store.RevokeAsync("key_a1", TenantB, Epoch)).ShouldBeNull();
        (await Store.RevokeAsync("key_unknown", null, Epoch)).ShouldBeNull();

        (await Store.GetAsync("key_a1"))!.RevokedAt.ShouldBeNull();
    }

    [Fact]
    public async Task TouchAsync_ThenRestart_RecordsTheLastUse()
    {
        await Store.CreateAsync(NewKey(TenantA, "key_a1", 0), NewHash());
        await Store.CreateAsync(NewKey(TenantA, "key_a2", 1), NewHash());

        await Store.TouchAsync("key_a1", Epoch.AddMinutes(5));
        await Store.TouchAsync("key_a1", Epoch.AddMinutes(9));
        await ReopenAsync();

        (await Store.GetAsync("key_a1"))!.LastUsedAt.ShouldBe(Epoch.AddMinutes(9));
        (await Store.GetAsync("key_a2"))!.LastUsedAt.ShouldBeNull();
    }

    [Fact]
    public async Task GetOrCreateKeySecretAsync_ConcurrentInTwoInstances_AllGetTheFirstCreatedValueAndKeepItAfterRestart()
    {
        var other = OpenSecondInstance().GetRequiredService<IApiKeyStore>();
        var created = 0;
        string Create() => $"secret-{Interlocked.Increment(ref created)}-{new string('x', 40)}";

        var values = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => (i % 2 == 0 ? Store : other).GetOrCreateKeySecretAsync(Create))));
        await ReopenAsync();

        values.Distinct().ShouldHaveSingleItem();
        created.ShouldBeGreaterThanOrEqualTo(1);
        (await Store.GetOrCreateKeySecretAsync(() => throw new InvalidOperationException("the stored secret must be returned"))).ShouldBe(values[0]);
        (await Store.ListAsync(null)).ShouldBeEmpty();
    }

    private static ApiKey NewKey(string tenantId, string id, int minutes) =>
        new(id, tenantId, $"{id} of {tenantId}", TenantRole.Member, false, "ark_" + id[^2..], Epoch.AddMinutes(minutes), null, null, null);

    private static byte[] NewHash() => RandomNumberGenerator.GetBytes(32);
}
