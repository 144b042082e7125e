using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentRag.Core.Security;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Server.Security;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Server.Tests.Security;

/// <summary>
/// Tenant B ("victim") with a document, a conversation, an answered query with feedback, a pending approval and a key;
/// tenant A ("intruder") with its own document and an admin key that knows every one of B's ids.
/// </summary>
public class IsolationServerFactory : SecureServerFactory, IAsyncLifetime
{
    public const string Victim = "victim";
    public const string Intruder = "intruder";
    public const string VictimSession = "sess-victim";

    /// <summary>A question only B's document (nodejs-url.md) answers.</summary>
    public const string VictimQuestion = "What does the URL constructor do with a relative input and a base?";

    public string VictimDocument { get; private set; } = "";

    public string VictimWorkflow { get; private set; } = "";

    public string VictimApproval { get; private set; } = "";

    public string VictimChunk { get; private set; } = "";

    /// <summary>A key B's admin created over HTTP, so B's audit trail has an entry (<c>key.create</c>) naming it.</summary>
    public string VictimAuditedKey { get; private set; } = "";

    public IssuedApiKey VictimAdmin { get; private set; } = null!;

    public IssuedApiKey VictimMember { get; private set; } = null!;

    public IssuedApiKey IntruderAdmin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var ingestion = Services.GetRequiredService<DocumentIngestionService>();
        VictimDocument = await IngestAsync(ingestion, Victim, "nodejs-url.md");
        await IngestAsync(ingestion, Intruder, "nodejs-process.md");
        VictimAdmin = await CreateKeyAsync(Victim, TenantRole.Admin);
        VictimMember = await CreateKeyAsync(Victim, TenantRole.Member);
        IntruderAdmin = await CreateKeyAsync(Intruder, TenantRole.Admin);

        var victim = ClientWith(VictimAdmin.Key);
        VictimChunk = (await Json(await victim.GetAsync($"/v1/documents/{VictimDocument}/chunks")))[0].GetProperty("id").GetString()!;
        VictimAuditedKey = (await Json(await victim.PostAsJsonAsync("/v1/keys", new { role = "viewer", name = "audited" }))).GetProperty("id").GetString()!;
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/queries") { Content = JsonContent.Create(new { query = VictimQuestion }) })
        {
            request.Headers.Add("X-Session-ID", VictimSession);
            using var answered = await victim.SendAsync(request);
            VictimWorkflow = (await Json(answered)).GetProperty("workflowId").GetString()!;
        }

        (await victim.PostAsJsonAsync($"/v1/queries/{VictimWorkflow}/feedback", new { rating = "up" })).EnsureSuccessStatusCode();
        using var paused = await victim.PostAsJsonAsync("/v1/queries", new { query = VictimQuestion, approval = "before_answer" });
        var pausedWorkflow = (await Json(paused)).GetProperty("workflowId").GetString()!;
        var approvals = await Json(await victim.GetAsync("/v1/approvals"));
        VictimApproval = approvals.GetProperty("items").EnumerateArray().Single(a => a.GetProperty("workflowId").GetString() == pausedWorkflow).GetProperty("id").GetString()!;
    }

    public static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(text);
        return JsonDocument.Parse(text).RootElement;
    }

    private static async Task<string> IngestAsync(DocumentIngestionService ingestion, string tenant, string file)
    {
        var submitted = await ingestion.SubmitFileAsync(tenant, SharedPaths.CorpusFile(file));
        await ingestion.ProcessAsync(tenant, submitted.Document.Id);
        return submitted.Document.Id;
    }

    Task IAsyncLifetime.DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>An admin key of tenant A can never see, change, stream or delete anything of tenant B, with B's ids known.</summary>
public sealed class TenantIsolationTests(IsolationServerFactory server) : IClassFixture<IsolationServerFactory>
{
    private HttpClient Intruder => server.ClientWith(server.IntruderAdmin.Key);

    private HttpClient Victim => server.ClientWith(server.VictimAdmin.Key);

    [Fact]
    public async Task EveryRouteAddressingTheOtherTenantsIds_IsNotFound()
    {
        var d = server.VictimDocument;
        var w = server.VictimWorkflow;
        var a = server.VictimApproval;
        var requests = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, $"/v1/documents/{d}", null),
            (HttpMethod.Get, $"/v1/documents/{d}/chunks", null),
            (HttpMethod.Get, $"/v1/documents/{d}/pages/1", null),
            (HttpMethod.Get, $"/v1/documents/{d}/events", null),
            (HttpMethod.Get, $"/v1/documents/{d}/original", null),
            (HttpMethod.Get, $"/v1/documents/{d}/passage?page=1&quote=the", null),
            (HttpMethod.Post, $"/v1/documents/{d}/reprocess", null),
            (HttpMethod.Delete, $"/v1/documents/{d}", null),
            (HttpMethod.Get, $"/v1/queries/{w}", null),
            (HttpMethod.Get, $"/v1/queries/{w}/events", null),
            (HttpMethod.Delete, $"/v1/queries/{w}", null),
            (HttpMethod.Get, $"/v1/queries/{w}/feedback", null),
            (HttpMethod.Post, $"/v1/queries/{w}/feedback", new { rating = "down" }),
            (HttpMethod.Get, $"/v1/sessions/{IsolationServerFactory.VictimSession}", null),
            (HttpMethod.Delete, $"/v1/sessions/{IsolationServerFactory.VictimSession}", null),
            (HttpMethod.Get, $"/v1/approvals/{a}", null),
            (HttpMethod.Get, $"/v1/approvals/{a}/history", null),
            (HttpMethod.Post, $"/v1/approvals/{a}/approve", new { comment = "hijack" }),
            (HttpMethod.Post, $"/v1/approvals/{a}/reject", null),
            (HttpMethod.Post, $"/v1/approvals/{a}/modify", new { inputs = new { query = "x" } }),
            (HttpMethod.Delete, $"/v1/keys/{server.VictimMember.Record.Id}", null),
        };

        var leaks = new List<string>();
        foreach (var (method, path, body) in requests)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            using var response = await Intruder.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.NotFound)
            {
                leaks.Add($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        leaks.ShouldBeEmpty();

        // Nothing of B's changed: its document, conversation, answer, approval and key are intact.
        (await Victim.GetAsync($"/v1/documents/{d}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await IsolationServerFactory.Json(await Victim.GetAsync($"/v1/sessions/{IsolationServerFactory.VictimSession}"))).GetProperty("turns").GetArrayLength().ShouldBe(1);
        (await IsolationServerFactory.Json(await Victim.GetAsync($"/v1/queries/{w}/feedback"))).GetProperty("rating").GetString().ShouldBe("up");
        (await IsolationServerFactory.Json(await Victim.GetAsync($"/v1/approvals/{a}"))).GetProperty("status").GetString().ShouldBe("pending");
        (await server.ClientWith(server.VictimMember.Key).GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // The intruder's own conversation of the same id is its own: none of B's turns.
        using var ask = new HttpRequestMessage(HttpMethod.Post, "/v1/queries") { Content = JsonContent.Create(new { query = "What is process.cwd()?" }) };
        ask.Headers.Add("X-Session-ID", IsolationServerFactory.VictimSession);
        (await Intruder.SendAsync(ask)).EnsureSuccessStatusCode();
        var own = await IsolationServerFactory.Json(await Intruder.GetAsync($"/v1/sessions/{IsolationServerFactory.VictimSession}"));
        own.GetProperty("turns").GetArrayLength().ShouldBe(1);
        own.GetProperty("turns")[0].GetProperty("question").GetString().ShouldBe("What is process.cwd()?");
    }

    [Fact]
    public async Task SessionList_ShowsOnlyTheCallersTenantsConversations()
    {
        var victims = (await IsolationServerFactory.Json(await Victim.GetAsync("/v1/sessions?limit=200"))).GetProperty("items").EnumerateArray()
            .Select(s => (Id: s.GetProperty("id").GetString(), First: s.GetProperty("firstQuestion").GetString())).ToList();
        var intruders = (await IsolationServerFactory.Json(await Intruder.GetAsync("/v1/sessions?limit=200"))).GetProperty("items").EnumerateArray()
            .Select(s => (Id: s.GetProperty("id").GetString(), First: s.GetProperty("firstQuestion").GetString())).ToList();

        // The intruder may have its own session of the same id (another test asks with it), never B's conversation.
        victims.ShouldContain((IsolationServerFactory.VictimSession, IsolationServerFactory.VictimQuestion));
        intruders.Intersect(victims).ShouldBeEmpty();
    }

    [Fact]
    public async Task StreamsAndReplay_OfTheOtherTenant_AreNotFound()
    {
        foreach (var path in new[] { $"/v1/queries/{server.VictimWorkflow}/events", $"/v1/documents/{server.VictimDocument}/events" })
        {
            using var replay = await SseClient.OpenAsync(Intruder, path, lastEventId: 0);
            replay.StatusCode.ShouldBe(HttpStatusCode.NotFound, path);
        }
    }

    [Fact]
    public async Task Listings_SearchAndAudit_ShowNothingOfTheOtherTenant()
    {
        var secrets = new[] { server.VictimDocument, server.VictimWorkflow, server.VictimApproval, server.VictimMember.Record.Id, "nodejs-url.md", IsolationServerFactory.Victim };
        var reads = new List<string>
        {
            await Intruder.GetStringAsync("/v1/documents"),
            await Intruder.GetStringAsync("/v1/approvals"),
            await Intruder.GetStringAsync("/v1/approvals/audit"),
            await Intruder.GetStringAsync("/v1/keys"),
            await Intruder.GetStringAsync("/v1/usage"),
            await (await Intruder.PostAsJsonAsync("/v1/search", new { query = IsolationServerFactory.VictimQuestion, k = 20 })).Content.ReadAsStringAsync(),
            await (await Intruder.PostAsJsonAsync("/v1/queries", new { query = IsolationServerFactory.VictimQuestion })).Content.ReadAsStringAsync(),
            await (await Intruder.PostAsJsonAsync("/v1/chat/completions", new
            {
                model = "agentrag",
                messages = new[] { new { role = "user", content = IsolationServerFactory.VictimQuestion } },
            })).Content.ReadAsStringAsync(),
        };

        foreach (var text in reads)
        {
            foreach (var secret in secrets)
            {
                text.ShouldNotContain(secret, Case.Sensitive, text.Length > 300 ? text[..300] : text);
            }
        }
    }

    [Fact]
    public async Task AuditPromptsAndLimits_ShowOnlyTheCallersTenant()
    {
        var listed = await IsolationServerFactory.Json(await Intruder.GetAsync("/v1/audit?limit=1000"));
        var exported = await Intruder.GetStringAsync("/v1/audit/export");
        var prompts = await Intruder.GetStringAsync("/v1/prompts");
        var limits = await IsolationServerFactory.Json(await Intruder.GetAsync("/v1/tenant/limits"));
        var ownDocuments = (await IsolationServerFactory.Json(await Intruder.GetAsync("/v1/documents"))).GetProperty("items").GetArrayLength();

        // B's admin created a key over HTTP (audited in B's trail); A's trail, listed or exported, has none of B's entries.
        listed.GetProperty("entries").EnumerateArray().ShouldAllBe(e => e.GetProperty("tenantId").GetString() == IsolationServerFactory.Intruder);
        var exportedEntries = exported.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        exportedEntries.ShouldAllBe(e => e.GetProperty("tenantId").GetString() == IsolationServerFactory.Intruder);
        foreach (var text in new[] { listed.ToString(), exported, prompts, limits.ToString() })
        {
            text.ShouldNotContain(server.VictimAuditedKey, Case.Sensitive);
            text.ShouldNotContain("nodejs-url.md", Case.Sensitive);
            text.ShouldNotContain($"\"{IsolationServerFactory.Victim}\"", Case.Sensitive);
        }

        // The tenant's limits count its own documents only.
        limits.GetProperty("tenant").GetString().ShouldBe(IsolationServerFactory.Intruder);
        limits.GetProperty("quotas").EnumerateArray().Single(q => q.GetProperty("quota").GetString() == "documents").GetProperty("used").GetInt64().ShouldBe(ownDocuments);
    }

    [Fact]
    public async Task ApprovalEventStream_ReplaysOnlyTheCallersTenant()
    {
        using var paused = await Intruder.PostAsJsonAsync("/v1/queries", new { query = "What is process.cwd()?", approval = "before_answer" });
        var ownWorkflow = (await IsolationServerFactory.Json(paused)).GetProperty("workflowId").GetString()!;

        using var stream = await SseClient.OpenAsync(Intruder, "/v1/approvals/events", lastEventId: 0);
        var events = new List<SseEvent>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var e in SseClient.ReadEventsAsync(stream, timeout.Token))
        {
            events.Add(e);
            if (e.Data.Contains(ownWorkflow))
            {
                break;
            }
        }

        events.ShouldContain(e => e.Data.Contains(ownWorkflow));
        events.ShouldAllBe(e => !e.Data.Contains(server.VictimApproval) && !e.Data.Contains(server.VictimWorkflow));
    }

    [Fact]
    public async Task Mcp_ToolsAndResources_CannotReachTheOtherTenant()
    {
        var calls = new[]
        {
            ("tools/call", (object)new { name = "get_document", arguments = new { id = server.VictimDocument } }, true),
            ("tools/call", new { name = "list_documents", arguments = new { } }, false),
            ("tools/call", new { name = "search", arguments = new { query = IsolationServerFactory.VictimQuestion } }, false),
            ("tools/call", new { name = "get_chunk", arguments = new { id = server.VictimChunk } }, true),
            ("tools/call", new { name = "keyword_search", arguments = new { query = IsolationServerFactory.VictimQuestion } }, false),
            ("tools/call", new { name = "ask", arguments = new { question = IsolationServerFactory.VictimQuestion } }, false),
            ("resources/read", new { uri = $"agentrag://documents/{server.VictimDocument}" }, true),
            ("resources/read", new { uri = $"agentrag://documents/{server.VictimDocument}/chunks/{Uri.EscapeDataString(server.VictimChunk)}" }, true),
            ("resources/list", new { }, false),
        };

        foreach (var (method, parameters, namesTheId) in calls)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
            {
                Content = new StringContent(JsonSerializer.Serialize(new { jsonrpc = "2.0", id = 1, method, @params = parameters }), Encoding.UTF8, "application/json"),
            };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var response = await Intruder.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();

            response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
            text.ShouldNotContain("nodejs-url.md", Case.Sensitive, text);
            if (namesTheId)
            {
                text.ShouldMatch("\"isError\":true|\"error\":", text);
            }
            else
            {
                text.ShouldNotContain(server.VictimDocument, Case.Sensitive, text);
                text.ShouldNotContain(server.VictimChunk, Case.Sensitive, text);
            }
        }
    }
}
