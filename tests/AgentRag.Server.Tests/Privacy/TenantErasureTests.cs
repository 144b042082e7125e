using System.Net;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using AgentRag.Core.Search;
using AgentRag.Core.Security;
using AgentRag.Server.Auditing;
using AgentRag.Server.Tests.Security;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Server.Tests.Privacy;

/// <summary><c>DELETE /v1/tenant?confirm=…</c> on the embedded store: after it, no byte of the tenant's text is left in the data folder.</summary>
public sealed class TenantErasureTests(IsolationServerFactory server) : TenantErasureSpecification(server), IClassFixture<IsolationServerFactory>;

/// <summary>
/// <c>DELETE /v1/tenant?confirm=…</c> on the PostgreSQL store: after it, no byte of the tenant's text is left in the data
/// folder (indexes, originals) nor in any table (a <c>pg_dump</c> of the database).
/// </summary>
public sealed class PostgresTenantErasureTests(PostgresIsolationServerFactory server)
    : TenantErasureSpecification(server), IClassFixture<PostgresIsolationServerFactory>
{
    protected override async Task<List<string>> StoredPlacesContainingAsync(string text)
    {
        var places = await base.StoredPlacesContainingAsync(text);
        if ((await ((PostgresIsolationServerFactory)Server).Database.DumpAsync()).Contains(text, StringComparison.OrdinalIgnoreCase))
        {
            places.Add("pg_dump");
        }

        return places;
    }
}

/// <summary>The isolation server over a fresh PostgreSQL database (<c>AgentRag:Storage=postgres</c>).</summary>
public sealed class PostgresIsolationServerFactory : IsolationServerFactory
{
    public PostgresTestDatabase Database { get; } = new();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["AgentRag:Storage"] = "postgres",
        ["ConnectionStrings:Postgres"] = Database.ConnectionString,
    };

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Database.Dispose();
        }
    }
}

/// <summary>What tenant erasure must achieve whatever the storage backend: no trace of the tenant's text anywhere it stores.</summary>
public abstract class TenantErasureSpecification(IsolationServerFactory server)
{
    /// <summary>The server under test.</summary>
    protected IsolationServerFactory Server => server;

    /// <summary>A word only the victim's document and question hold.</summary>
    private const string Canary = "zqxwombatcanary";

    [Fact]
    public async Task Erase_Confirmed_LeavesNoCanaryByteOtherTenantsUnchangedAndATombstone()
    {
        var member = server.ClientWith(server.VictimMember.Key);
        var admin = server.ClientWith(server.VictimAdmin.Key);
        var document = (await DocumentsApiTests.UploadAsync(member,
            ("canary-notes.txt", Encoding.UTF8.GetBytes($"Field notes.\n\nThe {Canary} burrows under the hill at dusk and eats roots.\n")))).Single();
        (await DocumentsApiTests.WaitForFinalEventAsync(member, document)).ShouldBe("ready");
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/queries") { Content = JsonContent.Create(new { query = $"Where does the {Canary} burrow?" }) })
        {
            request.Headers.Add("X-Session-ID", "canary-session");
            (await admin.SendAsync(request)).EnsureSuccessStatusCode();
        }

        (await member.PostAsJsonAsync("/v1/search", new { query = Canary })).EnsureSuccessStatusCode();

        // A cached embedding whose bytes spell the canary (ASCII bytes make finite floats), beside one of the other tenant.
        var embeddings = server.Services.GetRequiredService<IEmbeddingCache>();
        var canaryVector = MemoryMarshal.Cast<byte, float>(Encoding.ASCII.GetBytes(Canary + "!")).ToArray();
        var cachedText = EmbeddingCacheScope.HashText($"The {Canary} burrows under the hill.");
        await embeddings.PutManyAsync(EmbeddingCacheScope.ForTenant(IsolationServerFactory.Victim), "canary-model", [new CachedEmbedding(cachedText, canaryVector)]);
        await embeddings.PutManyAsync(EmbeddingCacheScope.ForTenant(IsolationServerFactory.Intruder), "canary-model", [new CachedEmbedding(cachedText, [1f, 2f])]);
        var intruder = server.ClientWith(server.IntruderAdmin.Key);
        var before = await SearchAsync(intruder);
        (await StoredPlacesContainingAsync(Canary)).ShouldNotBeEmpty("the canary must be stored before the erasure, or this test proves nothing");

        (await admin.DeleteAsync("/v1/tenant")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await admin.DeleteAsync($"/v1/tenant?confirm={IsolationServerFactory.Intruder}")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await admin.GetAsync($"/v1/documents/{document}")).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var erased = await admin.DeleteAsync($"/v1/tenant?confirm={IsolationServerFactory.Victim}");
        var body = await IsolationServerFactory.Json(erased);
        body.GetProperty("rows").GetProperty("documents").GetInt32().ShouldBe(2);
        body.GetProperty("files").GetInt32().ShouldBe(2);
        body.GetProperty("rows").GetProperty("embedding_cache").GetInt32().ShouldBe(1);

        (await StoredPlacesContainingAsync(Canary)).ShouldBeEmpty();
        (await embeddings.CountAsync(EmbeddingCacheScope.ForTenant(IsolationServerFactory.Victim))).ShouldBe(0);
        (await embeddings.GetManyAsync(EmbeddingCacheScope.ForTenant(IsolationServerFactory.Intruder), "canary-model", [cachedText]))[cachedText].ShouldBe([1f, 2f]);
        (await StoredPlacesContainingAsync("burrows under the hill")).ShouldBeEmpty();
        (await StoredPlacesContainingAsync(IsolationServerFactory.VictimQuestion)).ShouldBeEmpty();
        (await SearchAsync(intruder)).ShouldBe(before);

        // The erased tenant's keys are gone with it; its audit trail too, and the platform scope has the tombstone.
        (await admin.GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var platformAdmin = server.ClientWith((await server.CreateKeyAsync("ops", TenantRole.Admin, platformAdmin: true)).Key);
        var tombstone = (await AuditLogTests.ReadAllAsync(platformAdmin, "/v1/audit?scope=platform&action=tenant.erase")).ShouldHaveSingleItem();
        tombstone.GetProperty("target").GetString().ShouldBe(IsolationServerFactory.Victim);
        tombstone.GetProperty("actor").GetString().ShouldBe($"victim-admin ({server.VictimAdmin.Record.Id})");
        tombstone.GetProperty("tenantId").ValueKind.ShouldBe(JsonValueKind.Null);
        var counts = JsonDocument.Parse(tombstone.GetProperty("detail").GetString()!).RootElement;
        counts.GetProperty("rows").GetProperty("documents").GetInt32().ShouldBe(2);
        counts.GetProperty("files").GetInt32().ShouldBe(2);
        (await AuditLogTests.ReadAllAsync(server.ClientWith(server.IntruderAdmin.Key), "/v1/audit")).ShouldAllBe(e => e.GetProperty("tenantId").GetString() == IsolationServerFactory.Intruder);
        var victimTrail = await AuditLogTests.ReadAllAsync(server.ClientWith((await server.CreateKeyAsync("ops", TenantRole.Admin, platformAdmin: true)).Key, IsolationServerFactory.Victim), "/v1/audit");
        victimTrail.ShouldBeEmpty();
    }

    private static async Task<string> SearchAsync(HttpClient client)
    {
        var response = await IsolationServerFactory.Json(await client.PostAsJsonAsync("/v1/search", new { query = "process exit code and environment" }));
        var hits = response.GetProperty("hits").EnumerateArray().Select(h => $"{h.GetProperty("chunkId")} {h.GetProperty("score")}").ToList();
        hits.ShouldNotBeEmpty();
        return string.Join('\n', hits);
    }

    /// <summary>Where the backend stores <paramref name="text"/>: by default every file under the data folder holding it.</summary>
    protected virtual Task<List<string>> StoredPlacesContainingAsync(string text) => Task.FromResult(FilesContaining(text));

    /// <summary>Every file under the data folder whose bytes contain <paramref name="text"/> (UTF-8, case-insensitively for ASCII).</summary>
    private List<string> FilesContaining(string text)
    {
        var needle = Encoding.UTF8.GetBytes(text.ToLowerInvariant());
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(server.DataPath, "*", SearchOption.AllDirectories))
        {
            var bytes = RawFile.ReadAllBytes(file);
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] = bytes[i] is >= (byte)'A' and <= (byte)'Z' ? (byte)(bytes[i] + 32) : bytes[i];
            }

            if (bytes.AsSpan().IndexOf(needle) >= 0)
            {
                found.Add(Path.GetRelativePath(server.DataPath, file));
            }
        }

        return found;
    }
}

/// <summary>
/// Reads every byte of a file. .NET's FileStream honours the advisory locks the server holds (worker.lock, index
/// locks) and refuses to open those; <c>cat</c> does not.
/// </summary>
internal static class RawFile
{
    public static byte[] ReadAllBytes(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (IOException)
        {
            using var cat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("cat", [path]) { RedirectStandardOutput = true })!;
            using var content = new MemoryStream();
            cat.StandardOutput.BaseStream.CopyTo(content);
            cat.WaitForExit();
            cat.ExitCode.ShouldBe(0, $"cat {path}");
            return content.ToArray();
        }
    }
}
