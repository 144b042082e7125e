using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
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
    private readonly IndexedDocuments _firstIndexed = new();
    private readonly IndexedDocuments _secondIndexed = new();

    public PostgresReplicaTests()
    {
        var settings = new Dictionary<string, string?>
        {
            ["AgentRag:Storage"] = "postgres",
            ["ConnectionStrings:Postgres"] = _database.ConnectionString,
            ["AgentRag:Postgres:BlobDirectory"] = _shared.Path,
        };
        _first = new AgentRagServerFactory(settings, services => services.AddSingleton<IChunkIndexer>(_firstIndexed));
        _second = new AgentRagServerFactory(settings, services => services.AddSingleton<IChunkIndexer>(_secondIndexed));
    }

    [Fact]
    public async Task Upload_ThroughOneReplica_IsSearchableThroughTheOtherOnceIndexedThere()
    {
        var first = _first.CreateClient();

        // Made ready while the second replica is down: it indexes the document when it starts (its catch-up).
        var early = (await DocumentsApiTests.UploadAsync(first, ("nodejs-url.md", File.ReadAllBytes(SharedPaths.CorpusFile("nodejs-url.md"))))).Single();
        (await DocumentsApiTests.WaitForFinalEventAsync(first, early)).ShouldBe("ready");
        var second = _second.CreateClient();
        await _secondIndexed.WaitForAsync(early);
        (await SearchAsync(second, "WHATWG URL Standard")).ShouldBe(await SearchAsync(first, "WHATWG URL Standard"));
        (await SearchAsync(second, "WHATWG URL Standard")).ShouldNotBeEmpty();

        // Made ready while both run: whichever replica ingests it, the other indexes it when told.
        var late = (await DocumentsApiTests.UploadAsync(first, ("nodejs-process.md", File.ReadAllBytes(SharedPaths.CorpusFile("nodejs-process.md"))))).Single();
        (await DocumentsApiTests.WaitForFinalEventAsync(first, late)).ShouldBe("ready");
        await _firstIndexed.WaitForAsync(late);
        await _secondIndexed.WaitForAsync(late);
        var onFirst = await SearchAsync(first, "process exit code beforeExit");
        var onSecond = await SearchAsync(second, "process exit code beforeExit");
        onSecond.ShouldNotBeEmpty();
        onSecond.ShouldBe(onFirst);
        onSecond.ShouldContain(hit => hit.StartsWith(late + " ", StringComparison.Ordinal));
        (await second.GetFromJsonAsync<JsonElement>($"/v1/documents/{late}")).GetProperty("status").GetString().ShouldBe("ready");

        // Deleted through the second: the first drops it from its own index too.
        (await second.DeleteAsync($"/v1/documents/{late}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await _firstIndexed.WaitForRemovalAsync(late);
        (await SearchAsync(first, "process exit code beforeExit")).ShouldAllBe(hit => !hit.StartsWith(late + " ", StringComparison.Ordinal));
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
        return body.GetProperty("hits").EnumerateArray()
            .Select(h => $"{h.GetProperty("documentId").GetString()} {h.GetProperty("chunkId").GetString()} {h.GetProperty("score")}").ToList();
    }

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
        _database.Dispose();
        _shared.Dispose();
    }

    /// <summary>
    /// One more indexer in a replica, beside its real ones: it records which documents the replica's indexing reached,
    /// whether through its own ingestion or through another replica's announcement.
    /// </summary>
    private sealed class IndexedDocuments : IChunkIndexer
    {
        private readonly Channel<(bool Removed, string Document)> _seen = Channel.CreateUnbounded<(bool, string)>();
        private readonly List<(bool Removed, string Document)> _history = [];

        public Task IndexAsync(string tenantId, string documentId, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken = default) =>
            _seen.Writer.WriteAsync((false, documentId), cancellationToken).AsTask();

        public Task RemoveAsync(string tenantId, string documentId, CancellationToken cancellationToken = default) =>
            _seen.Writer.WriteAsync((true, documentId), cancellationToken).AsTask();

        public Task WaitForAsync(string documentId) => WaitAsync((false, documentId));

        public Task WaitForRemovalAsync(string documentId) => WaitAsync((true, documentId));

        private async Task WaitAsync((bool, string) expected)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            while (!_history.Contains(expected))
            {
                _history.Add(await _seen.Reader.ReadAsync(timeout.Token));
            }
        }
    }
}
