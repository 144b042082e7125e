using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.TestKit;

namespace AgentRag.Cli.Tests;

/// <summary>
/// Two <c>agentrag serve</c> processes sharing one PostgreSQL database and one folder for originals: the one ingesting
/// a document is killed with SIGKILL, and the other takes the document over once its queue lease runs out.
/// </summary>
public sealed class PostgresServeFailoverTests : IDisposable
{
    /// <summary>Short, so the survivor takes the job over within seconds of the kill.</summary>
    private const string Lease = "00:00:03";

    private readonly PostgresTestDatabase _database = new();
    private readonly TempDirectory _shared = new("agentrag-shared");
    private readonly TempDirectory _firstData = new("agentrag-replica-1");
    private readonly TempDirectory _secondData = new("agentrag-replica-2");

    [Fact]
    public async Task Serve_IngestingReplicaKilled_TheOtherClaimsTheDocumentAfterTheLeaseAndItEndsReadyAsAnEmbeddedIngest()
    {
        var embedded = await EmbeddedIngestAsync("R-data.pdf");
        var firstUrl = $"http://127.0.0.1:{FreePort.Next()}";
        using var first = new HttpClient { BaseAddress = new Uri(firstUrl), Timeout = TimeSpan.FromMinutes(2) };
        string id;

        await using (var dying = StartServer(_firstData.Path, firstUrl, holdAtChunking: true))
        {
            await dying.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            using var content = new MultipartFormDataContent();
            var file = new ByteArrayContent(File.ReadAllBytes(SharedPaths.CorpusFile("R-data.pdf")));
            file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            content.Add(file, "files", "R-data.pdf");
            var upload = await first.PostAsync("/v1/documents", content);
            upload.StatusCode.ShouldBe(HttpStatusCode.Accepted, await upload.Content.ReadAsStringAsync());
            id = (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("documents")[0].GetProperty("id").GetString()!;
            await dying.WaitForOutputAsync(line => line.Contains("holding at stage Chunking", StringComparison.Ordinal), TimeSpan.FromMinutes(1));

            // The survivor starts while the first holds the job: the job is leased, so it must not take it yet.
            var secondUrl = $"http://127.0.0.1:{FreePort.Next()}";
            await using var survivor = StartServer(_secondData.Path, secondUrl, holdAtChunking: false);
            await survivor.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            using var second = new HttpClient { BaseAddress = new Uri(secondUrl), Timeout = TimeSpan.FromMinutes(2) };
            var held = await second.GetFromJsonAsync<JsonElement>($"/v1/documents/{id}");
            held.GetProperty("status").GetString().ShouldBe("processing");
            held.GetProperty("stage").GetString().ShouldBe("chunking");

            dying.Kill();

            await survivor.WaitForOutputAsync(line => line.Contains($"Claimed {id} again", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/documents/{id}/events");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var events = await second.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            (await events.Content.ReadAsStringAsync()).ShouldContain("event: ready"); // the stream ends after the final event

            var document = await second.GetFromJsonAsync<JsonElement>($"/v1/documents/{id}");
            document.GetProperty("status").GetString().ShouldBe("ready");
            document.GetProperty("attempts").GetInt32().ShouldBe(2);
            document.GetProperty("pageCount").GetInt32().ShouldBe(embedded.Pages);
            document.GetProperty("chunkCount").GetInt32().ShouldBe(embedded.Chunks);
            (await second.GetFromJsonAsync<JsonElement>($"/v1/documents/{id}/chunks")).GetArrayLength().ShouldBe(embedded.Chunks);
            var queued = _database.Scalar("SELECT count(*) FROM ingestion_queue");
            queued.ShouldBe(0L, "the finished job leaves the queue");
        }
    }

    /// <summary>The page and chunk counts of <paramref name="file"/> ingested by the CLI into an embedded data folder.</summary>
    internal static async Task<(int Pages, int Chunks)> EmbeddedIngestAsync(string file)
    {
        using var data = new TempDirectory();
        var result = await CliProcess.RunAsync(["ingest", SharedPaths.CorpusFile(file), "--data", data.Path, "--json"]);
        result.ExitCode.ShouldBe(0, result.ToString());
        var line = JsonDocument.Parse(result.OutputLines.Single()).RootElement;
        line.GetProperty("status").GetString().ShouldBe("ready");
        return (line.GetProperty("pages").GetInt32(), line.GetProperty("chunks").GetInt32());
    }

    private CliProcess StartServer(string data, string url, bool holdAtChunking)
    {
        var environment = new Dictionary<string, string?>
        {
            ["AgentRag__Storage"] = "postgres",
            ["ConnectionStrings__Postgres"] = _database.ConnectionString,
            ["AgentRag__Postgres__BlobDirectory"] = _shared.Path,
            ["AgentRag__Postgres__IngestionLease"] = Lease,
            ["AgentRag__Postgres__QueuePollInterval"] = "00:00:00.250",
        };
        if (holdAtChunking)
        {
            environment["AGENTRAG_TEST_HOLD_AT_STAGE"] = "chunking";
        }

        return CliProcess.Start(["serve", "--urls", url, "--data", data, "--log-format", "text", "--log-level", "Information"], environment);
    }

    public void Dispose()
    {
        _database.Dispose();
        _shared.Dispose();
        _firstData.Dispose();
        _secondData.Dispose();
    }
}
