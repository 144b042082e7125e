using System.Net;
using System.Text.Json;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace AgentRag.Agents.Tests.Http;

/// <summary>
/// The upgrade fixture (<see cref="UpgradeFixtureServer"/>) opened by a server with an embedding model configured (the
/// loopback OpenAI-protocol server): documents ingested before the semantic stage existed are ready, and get embedded in
/// the background at start.
/// </summary>
public sealed class UpgradeFixtureEmbeddingServer : UpgradeFixtureServer, IAsyncLifetime
{
    public OpenAiTestServer Model { get; private set; } = null!;

    public async Task InitializeAsync() => Model = await OpenAiTestServer.StartAsync();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = Model.BaseUrl.ToString(),
            ["AGENTRAG_EMBEDDING_MODEL"] = "embed-upgrade",
            [EmbeddingTestSettings.ProviderKey] = "openai",
        }));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        await Model.DisposeAsync();
    }
}

public sealed class UpgradeFixtureEmbeddingTests(UpgradeFixtureEmbeddingServer server) : IClassFixture<UpgradeFixtureEmbeddingServer>
{
    [Fact]
    public async Task Start_FixtureDocumentsReadyWithoutVectors_AreEmbeddedInTheBackground()
    {
        string[] ids = ["doc_r6d5bzffzah70ndm", "doc_7mqbq8yn032cdyre", "doc_nnrxnf56y7g60s3v"];
        var client = server.CreateClient();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        foreach (var id in ids)
        {
            // The document's event stream ends with `embedded` once every chunk has a vector (it replays the backlog first).
            var events = await ReadEventsUntilEmbeddedAsync(client, id, patience.Token);
            events.ShouldContain("embedded");
            var document = JsonDocument.Parse(await client.GetStringAsync($"/v1/documents/{id}", patience.Token)).RootElement;
            document.GetProperty("status").GetString().ShouldBe("ready");
            document.GetProperty("embeddingModel").GetString().ShouldBe("embed-upgrade");
            document.GetProperty("embeddedChunks").GetInt32().ShouldBe(document.GetProperty("chunkCount").GetInt32());
            document.GetProperty("chunkCount").GetInt32().ShouldBeGreaterThan(0);
        }

        server.Model.Count("embeddings", "embed-upgrade").ShouldBeGreaterThanOrEqualTo(ids.Length);
    }

    private static async Task<List<string>> ReadEventsUntilEmbeddedAsync(HttpClient client, string id, CancellationToken cancellationToken)
    {
        var types = new List<string>();
        long lastEventId = 0;
        while (!types.Contains("embedded"))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/documents/{id}/events");
            if (lastEventId > 0)
            {
                request.Headers.Add("Last-Event-ID", lastEventId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            var read = 0;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    types.Add(line["event: ".Length..]);
                    read++;
                }
                else if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    lastEventId = long.Parse(line["id: ".Length..], System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            if (read == 0 && !types.Contains("embedded"))
            {
                // The stream had nothing new (the fixture's runs ended with `ready` and embedding has not logged yet): ask again.
                await Task.Yield();
            }
        }

        return types;
    }
}
