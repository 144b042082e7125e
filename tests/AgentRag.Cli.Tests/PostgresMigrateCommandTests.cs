using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.TestKit;

namespace AgentRag.Cli.Tests;

/// <summary>
/// <c>agentrag migrate --from-data</c>: an embedded platform made through the product (a document, a key, a conversation
/// and a question waiting for approval, on <c>agentrag serve</c>) is copied into PostgreSQL, and two <c>serve</c>
/// processes on the database carry on with all of it; a workflow started on one streams and replays through the other.
/// </summary>
public sealed class PostgresMigrateCommandTests : IDisposable
{
    private const string FirstQuestion = "What does the beforeExit event do in Node.js?";
    private const string ApprovedQuestion = "When is the exit event emitted?";
    private const string LastQuestion = "What is process.exitCode used for?";

    private readonly PostgresTestDatabase _database = new();
    private readonly TempDirectory _embedded = new("agentrag-embedded");
    private readonly TempDirectory _shared = new("agentrag-shared");
    private readonly TempDirectory _firstData = new("agentrag-replica-1");
    private readonly TempDirectory _secondData = new("agentrag-replica-2");

    [Fact]
    public async Task Migrate_EmbeddedFolderWithDocumentSessionAndPausedApproval_AllThreeCarryOnAcrossTwoPostgresServers()
    {
        // --- an embedded platform, used through the product ---
        var ingest = await CliProcess.RunAsync(["ingest", SharedPaths.CorpusFile("nodejs-process.md"), "--data", _embedded.Path, "--json"]);
        ingest.ExitCode.ShouldBe(0, ingest.ToString());
        var documentId = JsonDocument.Parse(ingest.OutputLines.Single()).RootElement.GetProperty("id").GetString()!;
        var created = await CliProcess.RunAsync(["keys", "create", "--role", "admin", "--name", "dana", "--json", "--data", _embedded.Path]);
        created.ExitCode.ShouldBe(0, created.ToString());
        var key = JsonDocument.Parse(created.StandardOutput).RootElement.GetProperty("key").GetString()!;
        string sessionId, workflowId, approvalId;
        long requiredId;
        var embeddedUrl = $"http://127.0.0.1:{FreePort.Next()}";
        await using (var embedded = CliProcess.Start(["serve", "--urls", embeddedUrl, "--data", _embedded.Path, "--log-format", "text", "--auth", "required"]))
        {
            await embedded.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            using var http = Client(embeddedUrl, key);
            using var first = await http.PostAsJsonAsync("/v1/queries", new { query = FirstQuestion });
            first.StatusCode.ShouldBe(HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
            sessionId = first.Headers.GetValues("X-Session-ID").Single();

            using var paused = await AskStreamingAsync(http, new { query = ApprovedQuestion, sessionId, approval = "before_answer" });
            workflowId = paused.Headers.GetValues("X-Workflow-Id").Single();
            var required = await SseClient.ReadUntilAsync(paused, "approval.required", TimeSpan.FromMinutes(1));
            requiredId = required.Id!.Value;
            approvalId = JsonDocument.Parse(required.Data).RootElement.GetProperty("approvalId").GetString()!;
            embedded.Kill();
        }

        // --- the migration, twice: the second run finds everything there and copies nothing ---
        var migrated = await MigrateAsync();
        migrated.ExitCode.ShouldBe(0, migrated.ToString());
        var result = JsonDocument.Parse(migrated.StandardOutput).RootElement;
        Copied(result, "documents").ShouldBe(1);
        Copied(result, "sessions").ShouldBe(1);
        Copied(result, "session_turns").ShouldBe(2);
        Copied(result, "approvals").ShouldBe(1);
        Copied(result, "api_keys").ShouldBe(1);
        result.GetProperty("filesCopied").GetInt32().ShouldBe(1);
        result.GetProperty("keySecretCopied").GetBoolean().ShouldBeTrue();
        migrated.StandardError.ShouldContain("documents: 1 of 1 rows copied, 0 already there.");
        File.Exists(Path.Combine(_shared.Path, (string)_database.Scalar($"SELECT stored_path FROM documents WHERE id = '{documentId}'")!)).ShouldBeTrue();

        var again = await MigrateAsync();
        again.ExitCode.ShouldBe(0, again.ToString());
        var second = JsonDocument.Parse(again.StandardOutput).RootElement;
        (second.GetProperty("rowsCopied").GetInt32(), second.GetProperty("filesCopied").GetInt32(), second.GetProperty("filesAlreadyThere").GetInt32()).ShouldBe((0, 0, 1));

        // --- two servers on the database ---
        var firstUrl = $"http://127.0.0.1:{FreePort.Next()}";
        var secondUrl = $"http://127.0.0.1:{FreePort.Next()}";
        await using var firstServer = StartReplica(_firstData.Path, firstUrl);
        await using var secondServer = StartReplica(_secondData.Path, secondUrl);
        foreach (var server in new[] { firstServer, secondServer })
        {
            await server.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            await server.WaitForOutputAsync(line => line.Contains("Caught up with 1 documents", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        }

        using var onFirst = Client(firstUrl, key); // the embedded folder's key: its secret came along
        using var onSecond = Client(secondUrl, key);

        // The document is searchable on both.
        foreach (var client in new[] { onFirst, onSecond })
        {
            using var search = await client.PostAsJsonAsync("/v1/search", new { query = "beforeExit event" });
            search.StatusCode.ShouldBe(HttpStatusCode.OK, await search.Content.ReadAsStringAsync());
            (await search.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hits").EnumerateArray()
                .Select(h => h.GetProperty("documentId").GetString()).ShouldContain(documentId);
        }

        // The paused approval is approved through the second; the first replays the rest of the workflow from the decision.
        (await onSecond.GetFromJsonAsync<JsonElement>($"/v1/approvals/{approvalId}")).GetProperty("status").GetString().ShouldBe("pending");
        (await onFirst.GetFromJsonAsync<JsonElement>($"/v1/queries/{workflowId}")).GetProperty("status").GetString().ShouldBe("awaiting_approval");
        using (var approve = await onSecond.PostAsJsonAsync($"/v1/approvals/{approvalId}/approve", new { comment = "after the migration" }))
        {
            approve.StatusCode.ShouldBe(HttpStatusCode.OK, await approve.Content.ReadAsStringAsync());
        }

        using (var rest = await SseClient.OpenAsync(onFirst, $"/v1/queries/{workflowId}/events", lastEventId: requiredId))
        {
            var events = await SseClient.ReadAllAsync(rest, TimeSpan.FromMinutes(2));
            events[0].Type.ShouldBe("approval.resolved");
            events[0].Id.ShouldBe(requiredId + 1);
            events[^1].Type.ShouldBe("done");
            JsonDocument.Parse(events[^1].Data).RootElement.GetProperty("citations")[0].GetProperty("documentName").GetString().ShouldBe("nodejs-process.md");
        }

        // The conversation continues on the first, and the workflow it starts there streams live and replays through the second.
        using var started = await AskStreamingAsync(onFirst, new { query = LastQuestion, sessionId });
        var lastWorkflow = started.Headers.GetValues("X-Workflow-Id").Single();
        using var followed = await SseClient.OpenAsync(onSecond, $"/v1/queries/{lastWorkflow}/events", lastEventId: 0);
        followed.StatusCode.ShouldBe(HttpStatusCode.OK);
        var live = await SseClient.ReadAllAsync(started, TimeSpan.FromMinutes(2));
        var throughSecond = await SseClient.ReadAllAsync(followed, TimeSpan.FromMinutes(2));
        live[^1].Type.ShouldBe("done");
        throughSecond.ShouldBe(live);
        var middle = live[live.Count / 2].Id!.Value;
        using (var resumed = await SseClient.OpenAsync(onSecond, $"/v1/queries/{lastWorkflow}/events", lastEventId: middle))
        {
            (await SseClient.ReadAllAsync(resumed)).ShouldBe(live.Where(e => e.Id > middle).ToList());
        }

        var session = await onSecond.GetFromJsonAsync<JsonElement>($"/v1/sessions/{sessionId}");
        session.GetProperty("turns").EnumerateArray().Select(t => t.GetProperty("question").GetString())
            .ShouldBe([FirstQuestion, ApprovedQuestion, LastQuestion]);

        // The folder's rows have changed on the cluster since: importing it again is refused, and nothing is written.
        var stale = await MigrateAsync();
        stale.ExitCode.ShouldBe(1, stale.ToString());
        stale.StandardError.ShouldContain("other contents");
        stale.StandardError.ShouldContain("sessions (1 of 1)");
    }

    [Fact]
    public async Task Migrate_NoFolderNotADataFolderNoDatabaseOrAnUnreachableOne_ExitsWithItsCodeNamingTheProblem()
    {
        var missing = Path.Combine(_embedded.Path, "missing");
        var notFound = await MigrateAsync(missing);
        notFound.ExitCode.ShouldBe(4, notFound.ToString());
        notFound.StandardError.ShouldContain($"The data folder '{missing}' does not exist.");
        Directory.Exists(missing).ShouldBeFalse("a refused migration creates nothing");

        var notData = await MigrateAsync(_firstData.Path);
        notData.ExitCode.ShouldBe(2, notData.ToString());
        notData.StandardError.ShouldContain("is not an AgentRag data folder: it has no agentrag.db");

        var noDatabase = await MigrateAsync(_embedded.Path, new Dictionary<string, string?> { ["ConnectionStrings__Postgres"] = null });
        noDatabase.ExitCode.ShouldBe(3, noDatabase.ToString());
        noDatabase.StandardError.ShouldContain("ConnectionStrings:Postgres is required");

        var docs = await CliProcess.RunAsync(["docs", "list", "--data", _embedded.Path]); // makes an (empty) data folder
        docs.ExitCode.ShouldBe(0, docs.ToString());
        var port = FreePort.Next();
        var unreachable = await MigrateAsync(_embedded.Path, new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = $"Host=127.0.0.1;Port={port};Username=postgres;Database=agentrag;Timeout=5",
        });
        unreachable.ExitCode.ShouldBe(1, unreachable.ToString());
        unreachable.StandardError.ShouldContain($"Cannot reach the PostgreSQL database agentrag at 127.0.0.1:{port}");
        _database.Scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'documents'").ShouldBe(0L, "nothing reached the test database");
    }

    private Task<CliResult> MigrateAsync(string? folder = null, Dictionary<string, string?>? environment = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = _database.ConnectionString,
            ["AgentRag__Postgres__BlobDirectory"] = _shared.Path,
        };
        foreach (var (name, value) in environment ?? [])
        {
            settings[name] = value;
        }

        return CliProcess.RunAsync(["migrate", "--from-data", folder ?? _embedded.Path, "--json"], settings);
    }

    private CliProcess StartReplica(string data, string url) => CliProcess.Start(
        ["serve", "--urls", url, "--data", data, "--log-format", "text", "--log-level", "Information", "--auth", "required"],
        new Dictionary<string, string?>
        {
            ["AgentRag__Storage"] = "postgres",
            ["ConnectionStrings__Postgres"] = _database.ConnectionString,
            ["AgentRag__Postgres__BlobDirectory"] = _shared.Path,
        });

    private static HttpClient Client(string url, string key)
    {
        var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task<HttpResponseMessage> AskStreamingAsync(HttpClient client, object body)
    {
        using var ask = new HttpRequestMessage(HttpMethod.Post, "/v1/queries") { Content = JsonContent.Create(body) };
        ask.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var response = await client.SendAsync(ask, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, response.StatusCode == HttpStatusCode.OK ? null : await response.Content.ReadAsStringAsync());
        return response;
    }

    private static int Copied(JsonElement result, string table) =>
        result.GetProperty("tables").EnumerateArray().Single(t => t.GetProperty("table").GetString() == table).GetProperty("copied").GetInt32();

    public void Dispose()
    {
        _database.Dispose();
        _embedded.Dispose();
        _shared.Dispose();
        _firstData.Dispose();
        _secondData.Dispose();
    }
}
