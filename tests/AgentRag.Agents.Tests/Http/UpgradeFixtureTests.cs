using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.Agents.Workflows;
using AgentRag.Core.Security;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using AgentRag.TestKit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Agents.Tests.Http;

/// <summary>
/// The server over a copy of <c>tests/fixtures/data-v1</c>, a data folder written by the previous release (see its
/// README.md for what it holds), on a manual clock pinned just after the fixture was made, so neither its 24-hour
/// approval nor its 7-day sessions have expired. The fixture itself is never opened in place.
/// </summary>
public class UpgradeFixtureServer : WebApplicationFactory<Program>
{
    /// <summary>Just after the fixture was made (2026-12-06T19:55Z).</summary>
    public static readonly DateTimeOffset PinnedNow = new(2026, 12, 6, 20, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _data = new("agentrag-upgrade-v1");

    public UpgradeFixtureServer() => CopyDirectory(FixturePath, _data.Path);

    /// <summary>The committed fixture, found from the repository root as the TestKit's <see cref="SharedPaths"/> finds it.</summary>
    public static string FixturePath { get; } = Path.Combine(SharedPaths.RepositoryRoot, "tests", "fixtures", "data-v1");

    public ManualTimeProvider Time { get; } = new(PinnedNow);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting(AgentRagWebApplicationExtensions.DataKey, _data.Path);
        builder.UseSetting("log-format", "text");
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Time));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _data.Dispose();
        }
    }

    private static void CopyDirectory(string source, string target)
    {
        if (!File.Exists(Path.Combine(source, "agentrag.db")))
        {
            throw new InvalidOperationException($"The upgrade fixture is missing: no agentrag.db in {source}.");
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
    }
}

/// <summary>
/// Upgrade compatibility: a data folder written by the previous release (<c>tests/fixtures/data-v1</c>) opens and works.
/// Every later change to the data format (tenant folders, index files, schema) must keep these tests passing.
/// </summary>
public sealed class UpgradeFixtureTests(UpgradeFixtureServer server) : IClassFixture<UpgradeFixtureServer>
{
    private const string Acme = "acme";

    private HttpClient Client(string? tenant = null, string? session = null)
    {
        var client = server.CreateClient();
        if (tenant is not null)
        {
            client.DefaultRequestHeaders.Add("X-Tenant-ID", tenant);
        }

        if (session is not null)
        {
            client.DefaultRequestHeaders.Add("X-Session-ID", session);
        }

        return client;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement;
    }

    private async Task<List<string>> SearchAsync(string? tenant, string query) =>
        [.. (await JsonAsync(await Client(tenant).PostAsJsonAsync("/v1/search", new { query, k = 5 })))
            .GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("documentId").GetString()!)];

    [Fact]
    public async Task Search_FixtureIndexes_EachTenantFindsItsOwnDocumentsOnly()
    {
        (await SearchAsync(null, "url.parse")).ShouldContain("doc_7mqbq8yn032cdyre");
        (await SearchAsync(null, "read.table")).ShouldContain("doc_nnrxnf56y7g60s3v");
        (await SearchAsync(null, "Debian policy manual")).ShouldContain("doc_r6d5bzffzah70ndm");
        (await SearchAsync(Acme, "process.cwd working directory")).ShouldContain("doc_k83csjdr71cwvc6k");

        (await SearchAsync(null, "process.cwd working directory")).ShouldNotContain("doc_k83csjdr71cwvc6k");
        (await SearchAsync(Acme, "url.parse")).ShouldNotContain("doc_7mqbq8yn032cdyre");
        (await SearchAsync(Acme, "read.table")).ShouldNotContain("doc_nnrxnf56y7g60s3v");
        var documents = await JsonAsync(await Client().GetAsync("/v1/documents"));
        documents.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("status").GetString()).ShouldAllBe(s => s == "ready");
        documents.GetProperty("total").GetInt32().ShouldBe(3);
    }

    [Fact]
    public async Task Ask_Extractive_AnswersWithACitationOfTheFixtureDocument()
    {
        var body = await JsonAsync(await Client(Acme).PostAsJsonAsync("/v1/queries", new { query = "How do I get the current working directory of the process?" }));

        body.GetProperty("mode").GetString().ShouldBe("extractive");
        body.GetProperty("answer").GetString()!.ShouldContain("cwd");
        body.GetProperty("citations").EnumerateArray().ShouldContain(c => c.GetProperty("documentId").GetString() == "doc_k83csjdr71cwvc6k", body.ToString());
    }

    [Fact]
    public async Task Reprocess_FixturePdfIndexedWithRunningHeaders_OldChunksAnswerUntilThenTheNewOnesHaveNone()
    {
        const string RData = "doc_nnrxnf56y7g60s3v", Header = "Chapter 4: Relational databases";
        var client = Client();
        static async Task<List<string>> ChunkTextsAsync(HttpClient client) =>
            [.. (await JsonAsync(await client.GetAsync($"/v1/documents/{RData}/chunks"))).EnumerateArray().Select(c => c.GetProperty("text").GetString()!)];
        static async Task<JsonElement> AskAsync(HttpClient client) =>
            await JsonAsync(await client.PostAsJsonAsync("/v1/queries", new { query = "Which R packages give access to a relational database through ODBC?" }));

        var before = await ChunkTextsAsync(client);
        var oldAnswer = await AskAsync(client);
        var reprocess = await client.PostAsync($"/v1/documents/{RData}/reprocess", null);
        reprocess.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            using var events = await SseClient.OpenAsync(client, $"/v1/documents/{RData}/events", cancellationToken: timeout.Token);
            (await SseClient.ReadEventsAsync(events, timeout.Token).LastAsync(timeout.Token)).Type.ShouldBe("ready");
        }

        var after = await ChunkTextsAsync(client);
        var newAnswer = await AskAsync(client);

        // v1 indexed the chapter's running header on every page; the old chunks still answer until the document is reprocessed.
        before.Count(t => t.Contains(Header, StringComparison.Ordinal)).ShouldBeGreaterThan(1);
        oldAnswer.GetProperty("citations").EnumerateArray().ShouldContain(c => c.GetProperty("documentId").GetString() == RData, oldAnswer.ToString());
        after.ShouldNotContain(t => t.Contains(Header, StringComparison.Ordinal));
        after.ShouldContain(t => t.Contains("RODBC", StringComparison.Ordinal));
        newAnswer.GetProperty("answer").GetString()!.ShouldContain("RODBC");
        newAnswer.GetProperty("citations").EnumerateArray().ShouldContain(c => c.GetProperty("documentId").GetString() == RData, newAnswer.ToString());
    }

    [Fact]
    public async Task Session_FixtureSession_ShowsItsTurnAndAFollowUpContinuesIt()
    {
        var before = await JsonAsync(await Client().GetAsync("/v1/sessions/sess-fixture"));
        var turns = before.GetProperty("turns").EnumerateArray().ToList();
        turns.Select(t => t.GetProperty("question").GetString()).ShouldBe(["How do I read a table from a file in R?"]);

        var followUp = await JsonAsync(await Client(session: "sess-fixture").PostAsJsonAsync("/v1/queries", new { query = "and what about its defaults?" }));

        followUp.GetProperty("sessionId").GetString().ShouldBe("sess-fixture");
        followUp.GetProperty("citations").EnumerateArray().ShouldContain(c => c.GetProperty("documentId").GetString() == "doc_nnrxnf56y7g60s3v", followUp.ToString());
        var after = await JsonAsync(await Client().GetAsync("/v1/sessions/sess-fixture"));
        after.GetProperty("turns").EnumerateArray().Select(t => t.GetProperty("question").GetString())
            .ShouldBe(["How do I read a table from a file in R?", "and what about its defaults?"]);
        (await Client(Acme).GetAsync("/v1/sessions/sess-fixture")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Approve_FixturePendingApproval_CompletesThePausedWorkflowWithAnAnswer()
    {
        const string approvalId = "apr_dfthaabyj83evabv";
        const string workflowId = "wf_6c47enbyhk1wrvm0";
        var client = Client();
        var pending = await JsonAsync(await client.GetAsync("/v1/approvals?status=pending"));
        pending.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ShouldContain(approvalId);
        (await JsonAsync(await client.GetAsync($"/v1/queries/{workflowId}"))).GetProperty("status").GetString().ShouldBe("awaiting_approval");

        var approved = await JsonAsync(await client.PostAsync($"/v1/approvals/{approvalId}/approve", null));

        approved.GetProperty("status").GetString().ShouldBe("approved");
        using var follow = await SseClient.OpenAsync(client, $"/v1/queries/{workflowId}/events");
        var events = await SseClient.ReadAllAsync(follow);
        events[^1].Type.ShouldBe("done");

        // The events stored by the old version and those written after the upgrade read into the same records.
        events.Select(e => e.Type).ShouldContain(WorkflowEvents.ApprovalRequired);
        events.Select(e => WorkflowEventJson.Deserialize(e.Type, e.Data).GetType()).ShouldContain(typeof(PlanEvent));
        WorkflowEventJson.Deserialize<DoneEvent>(events[^1].Data).WorkflowId.ShouldBe(workflowId);
        var done = JsonDocument.Parse(events[^1].Data).RootElement;
        done.GetProperty("answer").GetString()!.ShouldContain("url", Case.Insensitive);
        done.GetProperty("citations").EnumerateArray().ShouldContain(c => c.GetProperty("documentId").GetString() == "doc_7mqbq8yn032cdyre", done.ToString());
        (await JsonAsync(await client.GetAsync($"/v1/queries/{workflowId}"))).GetProperty("status").GetString().ShouldBe("completed");
    }
}

/// <summary>The same v1 fixture served with authentication required.</summary>
public sealed class RequiredAuthUpgradeFixtureServer : UpgradeFixtureServer
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("AgentRag:Auth:Mode", "Required");
    }
}

/// <summary>Turning authentication on over a v1 data folder: its existing data belongs to the tenants it had.</summary>
public sealed class UpgradeFixtureAuthTests(RequiredAuthUpgradeFixtureServer server) : IClassFixture<RequiredAuthUpgradeFixtureServer>
{
    [Fact]
    public async Task RequiredMode_KeysSeeOnlyTheirTenantsExistingData()
    {
        var keys = server.Services.GetRequiredService<ApiKeyService>();
        var acme = server.CreateClient();
        acme.DefaultRequestHeaders.Authorization = new("Bearer", (await keys.CreateAsync("acme", TenantRole.Viewer, "acme reader", null)).Key);
        var owner = server.CreateClient();
        owner.DefaultRequestHeaders.Authorization = new("Bearer", (await keys.CreateAsync(Core.Tenancy.DefaultTenant, TenantRole.Admin, "default admin", null)).Key);

        var acmeDocuments = await acme.GetStringAsync("/v1/documents");
        var ownerDocuments = await owner.GetStringAsync("/v1/documents");

        acmeDocuments.ShouldContain("doc_k83csjdr71cwvc6k");
        acmeDocuments.ShouldNotContain("doc_r6d5bzffzah70ndm");
        ownerDocuments.ShouldContain("doc_r6d5bzffzah70ndm");
        ownerDocuments.ShouldContain("doc_nnrxnf56y7g60s3v");
        ownerDocuments.ShouldNotContain("doc_k83csjdr71cwvc6k");
        (await acme.GetAsync("/v1/sessions/sess-acme")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await acme.GetAsync("/v1/sessions/sess-fixture")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await owner.GetStringAsync("/v1/approvals")).ShouldContain("apr_dfthaabyj83evabv");
        (await server.CreateClient().GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
