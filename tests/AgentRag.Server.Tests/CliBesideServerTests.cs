using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.Core;
using AgentRag.Ingestion.Pipeline;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Server.Tests;

/// <summary>
/// The CLI (<c>agentrag docs delete</c>, <c>agentrag ingest</c>, real processes) writing to the data folder of a running
/// server: the server observes the change once its index check interval has passed on its (manual) clock.
/// </summary>
public sealed class CliBesideServerTests
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private static async Task<List<string>> SearchAsync(HttpClient client, string query)
    {
        var response = await client.PostAsJsonAsync("/v1/search", new { query, k = 10 });
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return [.. JsonDocument.Parse(text).RootElement.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("documentId").GetString()!)];
    }

    private static async Task<string> IngestInServerAsync(AgentRagServerFactory server, string file)
    {
        var ingestion = server.Services.GetRequiredService<DocumentIngestionService>();
        var submitted = await ingestion.SubmitFileAsync(Tenancy.DefaultTenant, SharedPaths.CorpusFile(file));
        var document = await ingestion.ProcessAsync(Tenancy.DefaultTenant, submitted.Document.Id);
        document!.Status.ShouldBe(Core.Documents.DocumentStatus.Ready, document.Error);
        return document.Id;
    }

    [Fact]
    public async Task Search_DocumentDeletedByTheCliBesideTheServer_GoneAfterTheCheckInterval()
    {
        var time = new ManualTimeProvider();
        using var server = new AgentRagServerFactory(time: time);
        var client = server.CreateClient();
        var url = await IngestInServerAsync(server, "nodejs-url.md");
        var process = await IngestInServerAsync(server, "nodejs-process.md");
        (await SearchAsync(client, "url.parse urlObject")).ShouldContain(url);

        var deleted = await CliProcess.RunAsync(["docs", "delete", url, "--data", server.DataPath]);
        deleted.ExitCode.ShouldBe(0, deleted.ToString());
        time.Advance(CheckInterval);

        (await SearchAsync(client, "url.parse urlObject")).ShouldNotContain(url);
        (await SearchAsync(client, "beforeExit event")).ShouldContain(process);
        (await client.GetAsync($"/v1/documents/{url}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Search_DocumentIngestedByTheCliBesideTheServer_FoundAfterTheCheckIntervalAndServerWritesKeepIt()
    {
        var time = new ManualTimeProvider();
        using var server = new AgentRagServerFactory(time: time);
        var client = server.CreateClient();
        var url = await IngestInServerAsync(server, "nodejs-url.md");

        var ingested = await CliProcess.RunAsync(["ingest", SharedPaths.CorpusFile("nodejs-process.md"), "--data", server.DataPath, "--json"]);
        ingested.ExitCode.ShouldBe(0, ingested.ToString());
        var process = JsonDocument.Parse(ingested.OutputLines.Single()).RootElement.GetProperty("id").GetString()!;
        time.Advance(CheckInterval);

        (await SearchAsync(client, "beforeExit event")).ShouldContain(process);

        // The server writes after the CLI did: its journal append must not overwrite the CLI's, so a fresh process sees all three.
        var readme = await IngestInServerAsync(server, "debian-policy-README.txt");
        var search = await CliProcess.RunAsync(["search", "beforeExit urlObject Debian", "--k", "100", "--data", server.DataPath, "--json"]);
        search.ExitCode.ShouldBe(0, search.ToString());
        var found = JsonDocument.Parse(search.StandardOutput).RootElement.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("documentId").GetString()).ToList();
        found.ShouldContain(url);
        found.ShouldContain(process);
        found.ShouldContain(readme);
    }
}
