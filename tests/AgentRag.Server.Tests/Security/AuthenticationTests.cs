using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.Core.Security;
using AgentRag.Server.Security;
using AgentRag.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Server.Tests.Security;

/// <summary>Credentials in required mode: none, valid, revoked, expired, and how each is answered.</summary>
public sealed class AuthenticationTests(SecureServerFactory factory) : IClassFixture<SecureServerFactory>
{
    [Fact]
    public async Task Request_WithoutCredential_Gets401WithProblemDetailsAndChallenge()
    {
        using var response = await factory.ClientWith(null).GetAsync("/v1/documents");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().ShouldBe("Bearer");
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await response.Content.ReadAsStringAsync()).ShouldContain("Authorization: Bearer");
    }

    [Fact]
    public async Task Request_WithValidKey_AsBearerOrApiKeyHeader_Succeeds()
    {
        var key = await factory.CreateKeyAsync("auth-ok", TenantRole.Viewer);

        using var bearer = await factory.ClientWith(key.Key).GetAsync("/v1/documents");
        var client = factory.ClientWith(null);
        client.DefaultRequestHeaders.Add(AgentRagAuthenticationHandler.ApiKeyHeader, key.Key);
        using var header = await client.GetAsync("/v1/documents");

        bearer.StatusCode.ShouldBe(HttpStatusCode.OK);
        header.StatusCode.ShouldBe(HttpStatusCode.OK);
        // The last-use time is written behind the request (fire and forget through the writer queue): wait for it.
        await factory.Services.GetRequiredService<SqliteDatabase>().FlushAsync();
        (await factory.Keys.ListAsync("auth-ok")).Single().LastUsedAt.ShouldBe(factory.Time.GetUtcNow());
    }

    [Fact]
    public async Task Request_WithUnknownKey_Gets401()
    {
        using var response = await factory.ClientWith("ark_" + new string('x', 43)).GetAsync("/v1/documents");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.Content.ReadAsStringAsync()).ShouldContain("The API key is not valid.");
    }

    [Fact]
    public async Task RevokedKey_Gets401AtItsNextRequest()
    {
        var admin = await factory.CreateKeyAsync("auth-revoke", TenantRole.Admin);
        var member = await factory.CreateKeyAsync("auth-revoke", TenantRole.Member);
        var client = factory.ClientWith(member.Key);
        (await client.GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var revoke = await factory.ClientWith(admin.Key).DeleteAsync($"/v1/keys/{member.Record.Id}");
        revoke.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var after = await client.GetAsync("/v1/documents");

        after.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await after.Content.ReadAsStringAsync()).ShouldContain("revoked");
    }

    [Fact]
    public async Task ExpiredKey_Gets401OnceItsTimeHasPassed()
    {
        var key = await factory.CreateKeyAsync("auth-expiry", TenantRole.Viewer, expiresAt: factory.Time.GetUtcNow().AddHours(1));
        var client = factory.ClientWith(key.Key);
        (await client.GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.OK);

        factory.Time.Advance(TimeSpan.FromHours(1));
        using var after = await client.GetAsync("/v1/documents");

        after.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await after.Content.ReadAsStringAsync()).ShouldContain("expired");
    }

    [Fact]
    public async Task KeysApi_CreatesAKeyShownOnce_ListsItWithoutTheKey()
    {
        var admin = await factory.CreateKeyAsync("auth-keys", TenantRole.Admin);
        var client = factory.ClientWith(admin.Key);

        using var created = await client.PostAsJsonAsync("/v1/keys", new { role = "member", name = "ingest bot", expiresInDays = 30 });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        var newKey = body.GetProperty("key").GetString()!;
        body.GetProperty("tenant").GetString().ShouldBe("auth-keys");
        using var listed = await client.GetAsync("/v1/keys");
        var list = await listed.Content.ReadAsStringAsync();

        list.ShouldNotContain(newKey);
        list.ShouldContain("ingest bot");
        list.ShouldContain(newKey[..ApiKeyService.PrefixLength]);
        (await factory.ClientWith(newKey).GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task KeysApi_TenantAdminCannotMintAPlatformAdminKey()
    {
        var admin = await factory.CreateKeyAsync("auth-escalate", TenantRole.Admin);

        using var response = await factory.ClientWith(admin.Key).PostAsJsonAsync("/v1/keys", new { role = "admin", platformAdmin = true });

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task TenantHeader_NamingAnotherTenant_Gets403ForAnOrdinaryKey_AndIsHonouredForAPlatformAdmin()
    {
        var member = await factory.CreateKeyAsync("auth-own", TenantRole.Admin);
        var platform = await factory.CreateKeyAsync("auth-platform", TenantRole.Admin, platformAdmin: true);

        using var foreign = await factory.ClientWith(member.Key, tenantHeader: "auth-other").GetAsync("/v1/documents");
        using var own = await factory.ClientWith(member.Key, tenantHeader: "auth-own").GetAsync("/v1/documents");
        using var actingFor = await factory.ClientWith(platform.Key, tenantHeader: "auth-other").GetAsync("/v1/keys");

        foreign.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        own.StatusCode.ShouldBe(HttpStatusCode.OK);
        actingFor.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Usage_OfAllTenants_Gets403ForATenantAdmin_AndIsAllowedForAPlatformAdmin()
    {
        var admin = await factory.CreateKeyAsync("auth-usage", TenantRole.Admin);
        var platform = await factory.CreateKeyAsync("auth-usage", TenantRole.Admin, platformAdmin: true);

        using var all = await factory.ClientWith(admin.Key).GetAsync("/v1/usage?tenant=*");
        using var other = await factory.ClientWith(admin.Key).GetAsync("/v1/usage?tenant=someone-else");
        using var own = await factory.ClientWith(admin.Key).GetAsync("/v1/usage?tenant=auth-usage");
        using var platformAll = await factory.ClientWith(platform.Key).GetAsync("/v1/usage?tenant=*");

        all.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        other.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        own.StatusCode.ShouldBe(HttpStatusCode.OK);
        platformAll.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Forbidden_SaysWhichRoleIsNeeded()
    {
        var viewer = await factory.CreateKeyAsync("auth-role", TenantRole.Viewer);

        using var response = await factory.ClientWith(viewer.Key).DeleteAsync("/v1/documents/doc_x");

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).ShouldContain("This needs the member role or higher; the credential has the viewer role.");
    }
}

/// <summary>The first start in required mode with no keys: a platform-admin key in an owner-only file, never logged.</summary>
public sealed class BootstrapKeyTests(SecureServerFactory factory) : IClassFixture<SecureServerFactory>
{
    [Fact]
    public async Task FirstStart_WritesAWorkingPlatformAdminKeyToAnOwnerOnlyFile_AndNeverLogsIt()
    {
        _ = factory.Server; // starts the host
        var path = Path.Combine(factory.DataPath, "secrets", SecurityServiceCollectionExtensions.BootstrapAdminKey.FileName);
        var key = (await File.ReadAllTextAsync(path)).Trim();

        using var response = await factory.ClientWith(key, tenantHeader: "any-tenant").GetAsync("/v1/keys");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(path).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        factory.Logs.All.ShouldContain(path);
        factory.Logs.All.ShouldNotContain(key);
        factory.Logs.All.ShouldNotContain(key[4..20]);
    }
}
