using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.Core.Security;
using AgentRag.Hosting.Retention;
using AgentRag.Server.Auditing;
using AgentRag.Server.Tests.Security;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Server.Tests.Privacy;

/// <summary>The audit log through HTTP: a scripted session of every audited action, filters, paging, export, retention.</summary>
public sealed class AuditLogTests(IsolationServerFactory server) : IClassFixture<IsolationServerFactory>
{
    private HttpClient VictimAdmin => server.ClientWith(server.VictimAdmin.Key);

    [Fact]
    public async Task ScriptedSession_EveryAuditedActionHasAnEntry_WithoutDocumentOrQueryText()
    {
        var member = server.ClientWith(server.VictimMember.Key);
        var documentText = await File.ReadAllBytesAsync(SharedPaths.CorpusFile("nodejs-process.md"));
        var uploaded = (await DocumentsApiTests.UploadAsync(member, ("audited.md", documentText))).Single();
        using (await member.PostAsync($"/v1/documents/{uploaded}/reprocess", null))
        using (await member.DeleteAsync($"/v1/documents/{uploaded}"))
        {
        }

        var created = await IsolationServerFactory.Json(await VictimAdmin.PostAsJsonAsync("/v1/keys", new { role = "viewer", name = "audited key" }));
        var keyId = created.GetProperty("id").GetString()!;
        (await VictimAdmin.DeleteAsync($"/v1/keys/{keyId}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await VictimAdmin.PostAsJsonAsync($"/v1/approvals/{server.VictimApproval}/reject", new { comment = "no" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await server.ClientWith(null).GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await server.ClientWith("ark_not-a-real-key").GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var platformAdmin = await server.CreateKeyAsync(IsolationServerFactory.Intruder, TenantRole.Admin, platformAdmin: true);
        (await server.ClientWith(platformAdmin.Key, IsolationServerFactory.Victim).GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await server.ClientWith(server.VictimAdmin.Key).PostAsJsonAsync("/v1/search", new { query = IsolationServerFactory.VictimQuestion })).EnsureSuccessStatusCode();

        var entries = await ReadAllAsync(VictimAdmin, "/v1/audit?limit=2");
        Entry(entries, AuditActions.DocumentUpload, uploaded).GetProperty("actor").GetString().ShouldBe($"victim-member ({server.VictimMember.Record.Id})");
        Entry(entries, AuditActions.DocumentUpload, uploaded).GetProperty("role").GetString().ShouldBe("member");
        Entry(entries, AuditActions.DocumentReprocess, uploaded);
        Entry(entries, AuditActions.DocumentDelete, uploaded).GetProperty("outcome").GetString().ShouldBe("success");
        Entry(entries, AuditActions.KeyCreate, keyId).GetProperty("status").GetInt32().ShouldBe(201);
        Entry(entries, AuditActions.KeyRevoke, keyId);
        var decision = Entry(entries, AuditActions.ApprovalReject, server.VictimApproval);
        decision.GetProperty("tenantId").GetString().ShouldBe(IsolationServerFactory.Victim);
        decision.GetProperty("traceId").GetString().ShouldNotBeNullOrEmpty();
        decision.GetProperty("clientIp").ValueKind.ShouldNotBe(JsonValueKind.Undefined);
        entries.ShouldNotContain(e => e.GetProperty("action").GetString()!.StartsWith("search", StringComparison.Ordinal));

        // Authentication failures have no tenant: they are in the platform scope, for platform administrators.
        (await VictimAdmin.GetAsync("/v1/audit?scope=platform")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var platform = await ReadAllAsync(server.ClientWith(platformAdmin.Key), "/v1/audit?scope=platform&action=auth.failure");
        platform.Count.ShouldBeGreaterThanOrEqualTo(2);
        platform.ShouldAllBe(e => e.GetProperty("tenantId").ValueKind == JsonValueKind.Null && e.GetProperty("outcome").GetString() == "denied");
        platform.ShouldContain(e => e.GetProperty("detail").GetString() == "invalid credential" && e.GetProperty("actor").GetString() == AuditRecorder.Anonymous);
        var crossing = Entry(await ReadAllAsync(server.ClientWith(platformAdmin.Key), "/v1/audit?scope=platform"), AuditActions.CrossTenant, "GET /v1/documents");
        crossing.GetProperty("actor").GetString()!.ShouldContain(platformAdmin.Record.Id);
        crossing.GetProperty("role").GetString().ShouldBe(TenantRoles.PlatformAdmin);
        crossing.GetProperty("detail").GetString().ShouldBe($"for tenant {IsolationServerFactory.Victim}; home tenant {IsolationServerFactory.Intruder}");

        // The NDJSON export has the same entries, one parseable object a line, and no text of a document or question.
        using var export = await VictimAdmin.GetAsync("/v1/audit/export");
        export.StatusCode.ShouldBe(HttpStatusCode.OK);
        export.Content.Headers.ContentType!.MediaType.ShouldBe("application/x-ndjson");
        var ndjson = await export.Content.ReadAsStringAsync();
        var lines = ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        lines.Take(entries.Count).Select(l => l.GetProperty("id").GetInt64()).ShouldBe(entries.Select(e => e.GetProperty("id").GetInt64()));
        lines.Skip(entries.Count).ShouldHaveSingleItem().GetProperty("action").GetString().ShouldBe(AuditActions.AuditExport);
        var everything = ndjson + string.Join('\n', platform.Select(p => p.GetRawText()));
        everything.ShouldNotContain("relative input");
        everything.ShouldNotContain("process.argv");
    }

    [Fact]
    public async Task List_FilteredByActionActorAndTime_ReturnsOnlyMatches()
    {
        (await VictimAdmin.PostAsJsonAsync("/v1/keys", new { role = "viewer" })).EnsureSuccessStatusCode();
        var actor = Uri.EscapeDataString($"victim-admin ({server.VictimAdmin.Record.Id})");
        var keys = await ReadAllAsync(VictimAdmin, $"/v1/audit?action=key.create&actor={actor}");
        keys.ShouldNotBeEmpty();
        keys.ShouldAllBe(e => e.GetProperty("action").GetString() == "key.create");

        var future = Uri.EscapeDataString(server.Time.GetUtcNow().AddMinutes(1).ToString("O"));
        (await ReadAllAsync(VictimAdmin, $"/v1/audit?from={future}")).ShouldBeEmpty();
        (await ReadAllAsync(VictimAdmin, "/v1/audit?actor=nobody")).ShouldBeEmpty();
        (await VictimAdmin.GetAsync("/v1/audit?from=yesterday")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await VictimAdmin.GetAsync("/v1/audit?limit=0")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await VictimAdmin.GetAsync("/v1/audit?scope=everything")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        // Another tenant's admin sees none of the victim's entries.
        var intruder = await ReadAllAsync(server.ClientWith(server.IntruderAdmin.Key), "/v1/audit");
        intruder.ShouldAllBe(e => e.GetProperty("tenantId").GetString() == IsolationServerFactory.Intruder);
    }

    [Fact]
    public async Task Retention_EntriesOlderThanTheRetention_ArePrunedOnTheClock()
    {
        using var fresh = new SecureServerFactory();
        var admin = fresh.ClientWith((await fresh.CreateKeyAsync("acme", TenantRole.Admin)).Key);
        (await admin.PostAsJsonAsync("/v1/keys", new { role = "viewer" })).EnsureSuccessStatusCode();
        (await ReadAllAsync(admin, "/v1/audit")).Count.ShouldBe(1);

        fresh.Time.Advance(TimeSpan.FromDays(364));
        await fresh.Services.GetRequiredService<RetentionCleanup>().RunOnceAsync();
        (await ReadAllAsync(admin, "/v1/audit?action=key.create")).Count.ShouldBe(1);

        fresh.Time.Advance(TimeSpan.FromDays(2));
        await fresh.Services.GetRequiredService<RetentionCleanup>().RunOnceAsync();
        (await ReadAllAsync(admin, "/v1/audit?action=key.create")).ShouldBeEmpty();
    }

    private static JsonElement Entry(List<JsonElement> entries, string action, string target) =>
        entries.FirstOrDefault(e => e.GetProperty("action").GetString() == action && e.GetProperty("target").GetString() == target) is { ValueKind: JsonValueKind.Object } entry
            ? entry
            : throw new ShouldAssertException($"No audit entry {action} on {target}; entries: {string.Join("; ", entries.Select(e => $"{e.GetProperty("action")} {e.GetProperty("target")}"))}");

    /// <summary>Every page of <paramref name="path"/>, following <c>next</c>.</summary>
    internal static async Task<List<JsonElement>> ReadAllAsync(HttpClient client, string path)
    {
        var entries = new List<JsonElement>();
        long? after = 0;
        while (after is not null)
        {
            var page = await IsolationServerFactory.Json(await client.GetAsync($"{path}{(path.Contains('?') ? '&' : '?')}after={after}"));
            entries.AddRange(page.GetProperty("entries").EnumerateArray());
            after = page.GetProperty("next") is { ValueKind: JsonValueKind.Number } next ? next.GetInt64() : null;
        }

        return entries;
    }
}
