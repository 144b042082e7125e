using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using AgentRag.Storage.Postgres.Documents;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Server.Tests.Cluster;

/// <summary>
/// Two server replicas (each with its own data folder and the embedded runtime) sharing one PostgreSQL database
/// (<c>AgentRag:Storage=postgres</c>) and a folder for originals (<c>AgentRag:Postgres:BlobDirectory</c>, the cluster's
/// shared folder): what one is given, the other serves.
/// </summary>
public sealed class PostgresReplicaTests : IDisposable
{
    private const string Tenant = "default";

    private readonly PostgresTestDatabase _database = new();
    private readonly TempDirectory _shared = new("agentrag-shared");
    private readonly AgentRagServerFactory _first;
    private readonly AgentRagServerFactory _second;

    public PostgresReplicaTests()
    {
        var settings = new Dictionary<string, string?>
        {
            ["AgentRag:Storage"] = "postgres",
            ["ConnectionStrings:Postgres"] = _database.ConnectionString,
            ["AgentRag:Postgres:BlobDirectory"] = _shared.Path,
        };
        _first = new AgentRagServerFactory(settings);
        _second = new AgentRagServerFactory(settings);
    }

    [Fact]
    public async Task Upload_ThroughOneReplica_IsSearchableThroughTheOtherOnceIndexedThere()
    {
        var first = _first.CreateClient();
        var second = _second.CreateClient();
        var indexedOnSecond = Channel.CreateUnbounded<string>();
        _second.Services.GetRequiredService<PostgresReplicaIndexer>().DocumentIndexed += (_, document) => indexedOnSecond.Writer.TryWrite(document);
        (await SearchAsync(second, "WHATWG URL Standard")).ShouldBeEmpty();

        var id = (await DocumentsApiTests.UploadAsync(first, ("nodejs-url.md", File.ReadAllBytes(SharedPaths.CorpusFile("nodejs-url.md"))))).Single();
        (await DocumentsApiTests.WaitForFinalEventAsync(first, id)).ShouldBe("ready");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        (await indexedOnSecond.Reader.ReadAsync(timeout.Token)).ShouldBe(id);

        var onFirst = await SearchAsync(first, "WHATWG URL Standard");
        var onSecond = await SearchAsync(second, "WHATWG URL Standard");
        onSecond.ShouldNotBeEmpty();
        onSecond.ShouldBe(onFirst);
        onSecond.ShouldAllBe(hit => hit.StartsWith(id, StringComparison.Ordinal));
        // The document list, its status and its chunks come from the shared store.
        (await second.GetFromJsonAsync<JsonElement>($"/v1/documents/{id}")).GetProperty("status").GetString().ShouldBe("ready");
    }

    [Fact]
    public async Task Query_StartedOnOneReplica_StreamsAndReplaysWithLastEventIdThroughTheOther()
    {
        var first = _first.CreateClient();
        var second = _second.CreateClient();
        var id = (await DocumentsApiTests.UploadAsync(first, ("nodejs-url.md", File.ReadAllBytes(SharedPaths.CorpusFile("nodejs-url.md"))))).Single();
        (await DocumentsApiTests.WaitForFinalEventAsync(first, id)).ShouldBe("ready");

        using var ask = new HttpRequestMessage(HttpMethod.Post, "/v1/queries")
        {
            Content = JsonContent.Create(new { query = "What does the URL constructor do with a relative input and a base?" }),
        };
        ask.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var started = await first.SendAsync(ask, HttpCompletionOption.ResponseHeadersRead);
        started.StatusCode.ShouldBe(HttpStatusCode.OK);
        var workflow = started.Headers.GetValues("X-Workflow-Id").Single();

        // Followed through the other replica from the start, while it runs on the first.
        using var followed = await SseClient.OpenAsync(second, $"/v1/queries/{workflow}/events", lastEventId: 0);
        followed.StatusCode.ShouldBe(HttpStatusCode.OK);
        var onFirst = await SseClient.ReadAllAsync(started);
        var onSecond = await SseClient.ReadAllAsync(followed);

        onFirst.ShouldNotBeEmpty();
        onFirst[^1].Type.ShouldBe("done");
        onSecond.ShouldBe(onFirst);

        // A reconnect to the other replica with Last-Event-ID gets exactly the rest.
        var middle = onFirst[onFirst.Count / 2].Id!.Value;
        using var resumed = await SseClient.OpenAsync(second, $"/v1/queries/{workflow}/events", lastEventId: middle);
        (await SseClient.ReadAllAsync(resumed)).ShouldBe(onFirst.Where(e => e.Id > middle).ToList());
    }

    private static async Task<List<string>> SearchAsync(HttpClient client, string query)
    {
        using var response = await client.PostAsJsonAsync("/v1/search", new { query });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("hits").EnumerateArray().Select(h => $"{h.GetProperty("chunkId").GetString()} {h.GetProperty("score")}").ToList();
    }

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
        _database.Dispose();
        _shared.Dispose();
    }
}
