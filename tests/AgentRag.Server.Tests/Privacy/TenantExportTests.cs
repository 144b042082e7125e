using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using AgentRag.Server.Tests.Security;

namespace AgentRag.Server.Tests.Privacy;

/// <summary><c>GET /v1/tenant/export</c>: every kind of the tenant's data, and nothing of another tenant's.</summary>
public sealed class TenantExportTests(IsolationServerFactory server) : IClassFixture<IsolationServerFactory>
{
    [Fact]
    public async Task Export_VictimTenant_HoldsEveryKindOfItsDataAndNothingOfTheOtherTenant()
    {
        using var response = await server.ClientWith(server.VictimAdmin.Key).GetAsync("/v1/tenant/export");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/gzip");
        response.Content.Headers.ContentDisposition!.FileName!.ShouldStartWith("agentrag-victim-");
        var entries = await ReadArchiveAsync(await response.Content.ReadAsByteArrayAsync());

        var manifest = JsonDocument.Parse(entries["manifest.json"]).RootElement;
        manifest.GetProperty("tenant").GetString().ShouldBe(IsolationServerFactory.Victim);
        manifest.GetProperty("format").GetInt32().ShouldBe(1);

        // Documents' metadata, chunks and original; sessions, queries (workflow state) and answers; approvals; usage; audit.
        Rows(entries, "documents").ShouldContain(r => r.GetProperty("id").GetString() == server.VictimDocument);
        Rows(entries, "chunks").ShouldNotBeEmpty();
        Rows(entries, "pages").ShouldNotBeEmpty();
        entries.Keys.ShouldContain(k => k.StartsWith($"files/{server.VictimDocument}/", StringComparison.Ordinal) && k.EndsWith("nodejs-url.md", StringComparison.Ordinal));
        Rows(entries, "sessions").ShouldContain(r => r.GetProperty("id").GetString() == IsolationServerFactory.VictimSession);
        var turn = Rows(entries, "session_turns").Single(r => r.GetProperty("session_id").GetString() == IsolationServerFactory.VictimSession);
        turn.GetProperty("question").GetString().ShouldBe(IsolationServerFactory.VictimQuestion);
        turn.GetProperty("answer").GetString().ShouldNotBeNullOrEmpty();
        Rows(entries, "actor_state").ShouldContain(r => r.GetProperty("actor_id").GetString() == server.VictimWorkflow);
        Rows(entries, "feedback").ShouldHaveSingleItem();
        Rows(entries, "approvals").ShouldContain(r => r.GetProperty("id").GetString() == server.VictimApproval);
        Rows(entries, "approval_audit").ShouldNotBeEmpty();
        Rows(entries, "events").ShouldNotBeEmpty();
        Rows(entries, "api_keys").ShouldContain(r => r.GetProperty("id").GetString() == server.VictimAdmin.Record.Id);
        Rows(entries, "api_keys").Where(r => r.TryGetProperty("hash", out var hash)).ShouldBeEmpty();
        Rows(entries, "audit_log").ShouldAllBe(r => r.GetProperty("tenant_id").GetString() == IsolationServerFactory.Victim);
        entries.Keys.ShouldContain("tables/usage.ndjson");

        // Nothing of the intruder: no row of its tenant, not its document, not its original's text.
        foreach (var (name, bytes) in entries.Where(e => e.Key.StartsWith("tables/", StringComparison.Ordinal)))
        {
            foreach (var row in ParseLines(bytes))
            {
                row.GetProperty("tenant_id").GetString().ShouldBe(IsolationServerFactory.Victim, name);
            }
        }

        var everything = Encoding.UTF8.GetString(entries.Values.SelectMany(b => b).ToArray());
        everything.ShouldNotContain(IsolationServerFactory.Intruder);
        everything.ShouldNotContain("nodejs-process.md");
    }

    [Fact]
    public async Task Export_AsAMember_IsForbidden()
    {
        using var response = await server.ClientWith(server.VictimMember.Key).GetAsync("/v1/tenant/export");
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    internal static async Task<Dictionary<string, byte[]>> ReadArchiveAsync(byte[] archive)
    {
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using var gzip = new GZipStream(new MemoryStream(archive), CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        while (await tar.GetNextEntryAsync(copyData: true) is { } entry)
        {
            using var content = new MemoryStream();
            if (entry.DataStream is not null)
            {
                await entry.DataStream.CopyToAsync(content);
            }

            entries.Add(entry.Name, content.ToArray());
        }

        return entries;
    }

    private static List<JsonElement> Rows(Dictionary<string, byte[]> entries, string table) =>
        entries.TryGetValue($"tables/{table}.ndjson", out var bytes) ? ParseLines(bytes) : throw new ShouldAssertException($"The export has no table {table}.");

    private static List<JsonElement> ParseLines(byte[] ndjson) =>
        Encoding.UTF8.GetString(ndjson).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
}
