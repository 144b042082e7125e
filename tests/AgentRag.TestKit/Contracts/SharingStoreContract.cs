using AgentRag.Core.Branding;
using AgentRag.Core.Sharing;
using Shouldly;
using Xunit;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="IShareLinkStore"/> and <see cref="ITenantBrandingStore"/>: links round-trip, list newest
/// first per tenant (and per workflow), revoke once (the first time is kept) and are invisible to other tenants; branding
/// keeps name and colours and the logo apart, per tenant.
/// </summary>
public abstract class SharingStoreContract : BackendContract
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    private IShareLinkStore Links => Get<IShareLinkStore>();

    private ITenantBrandingStore Branding => Get<ITenantBrandingStore>();

    [Fact]
    public async Task ShareLinks_CreateListRevoke_PerTenantAndTheFirstRevocationKept()
    {
        var first = new ShareLink("shr_0000000000000001", TenantA, "wf_a", "alice", Noon, Noon.AddDays(7), null);
        var second = first with { Id = "shr_0000000000000002", WorkflowId = "wf_b", CreatedAt = Noon.AddMinutes(1) };
        await Links.CreateAsync(first);
        await Links.CreateAsync(second);
        await Should.ThrowAsync<InvalidOperationException>(() => Links.CreateAsync(first));

        (await Links.GetAsync(TenantA, first.Id)).ShouldBe(first);
        (await Links.GetAsync(TenantB, first.Id)).ShouldBeNull();
        (await Links.ListAsync(TenantA, null, 10)).Select(l => l.Id).ShouldBe(new[] { second.Id, first.Id });
        (await Links.ListAsync(TenantA, "wf_a", 10)).ShouldHaveSingleItem().ShouldBe(first);
        (await Links.ListAsync(TenantA, null, 1)).ShouldHaveSingleItem().Id.ShouldBe(second.Id);
        (await Links.ListAsync(TenantB, null, 10)).ShouldBeEmpty();

        (await Links.RevokeAsync(TenantB, first.Id, Noon.AddHours(1))).ShouldBeNull();
        (await Links.RevokeAsync(TenantA, first.Id, Noon.AddHours(1)))!.RevokedAt.ShouldBe(Noon.AddHours(1));
        (await Links.RevokeAsync(TenantA, first.Id, Noon.AddHours(2)))!.RevokedAt.ShouldBe(Noon.AddHours(1));
        (await Links.GetAsync(TenantA, first.Id))!.IsActiveAt(Noon.AddMinutes(90)).ShouldBeFalse();
        (await Links.GetAsync(TenantA, second.Id))!.IsActiveAt(Noon.AddDays(7)).ShouldBeFalse();
        (await Links.RevokeAsync(TenantA, "shr_0000000000000009", Noon)).ShouldBeNull();
    }

    [Fact]
    public async Task Branding_NameColoursAndLogo_SavedApartPerTenant()
    {
        (await Branding.GetAsync(TenantA)).ShouldBeNull();
        (await Branding.GetLogoAsync(TenantA)).ShouldBeNull();

        await Branding.SaveLogoAsync(TenantA, new BrandingLogo("image/png", [1, 2, 3], Noon), Noon);
        (await Branding.GetAsync(TenantA)).ShouldBe(new TenantBranding(TenantA, null, null, null, true, Noon));
        await Branding.SaveAsync(new TenantBranding(TenantA, "Acme", "#112233", "#445566", false, Noon.AddMinutes(1)));
        (await Branding.GetAsync(TenantA)).ShouldBe(new TenantBranding(TenantA, "Acme", "#112233", "#445566", true, Noon.AddMinutes(1)));
        var logo = await Branding.GetLogoAsync(TenantA);
        logo!.ContentType.ShouldBe("image/png");
        logo.Content.ShouldBe(new byte[] { 1, 2, 3 });

        await Branding.SaveLogoAsync(TenantA, null, Noon.AddMinutes(2));
        (await Branding.GetLogoAsync(TenantA)).ShouldBeNull();
        (await Branding.GetAsync(TenantA))!.ProductName.ShouldBe("Acme");
        (await Branding.GetAsync(TenantB)).ShouldBeNull();
    }
}
