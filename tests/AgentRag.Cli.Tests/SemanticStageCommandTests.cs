using System.Text.Json;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;

namespace AgentRag.Cli.Tests;

/// <summary>
/// The semantic stage through the built CLI, with embeddings from the loopback OpenAI-protocol server: <c>ingest</c> waits
/// for it unless <c>--no-wait</c>, <c>docs list|show</c> say "ready · semantic n/total", and <c>docs reembed</c> embeds what
/// is missing, sending only texts the persistent embedding cache does not hold.
/// </summary>
public sealed class SemanticStageCommandTests : IAsyncLifetime
{
    private OpenAiTestServer _server = null!;

    public async Task InitializeAsync() => _server = await OpenAiTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Dictionary<string, string?> Environment() => new()
    {
        ["OPENAI_BASE_URL"] = _server.BaseUrl.ToString(),
        ["AGENTRAG_EMBEDDING_MODEL"] = "embed-cli",
        [EmbeddingTestSettings.ProviderVariable] = "openai",
        ["NO_COLOR"] = "1",
    };

    private int EmbeddedTexts() => _server.Requests.Where(r => r.Route == "embeddings").Sum(r => r.Json!["input"]!.AsArray().Count);

    [Fact]
    public async Task IngestWaitsNoWaitDoesNotAndReembedCompletesFromTheCache()
    {
        using var data = new TempDirectory();

        var waited = await CliProcess.RunAsync(["ingest", SharedPaths.CorpusFile("nodejs-url.md"), "--data", data.Path, "--json"], Environment());
        var url = JsonDocument.Parse(waited.StandardOutput).RootElement;
        var skipped = await CliProcess.RunAsync(["ingest", SharedPaths.CorpusFile("nodejs-process.md"), "--no-wait", "--data", data.Path, "--json"], Environment());
        var process = JsonDocument.Parse(skipped.StandardOutput).RootElement;

        waited.ExitCode.ShouldBe(0, waited.ToString());
        url.GetProperty("status").GetString().ShouldBe("ready");
        url.GetProperty("embeddingModel").GetString().ShouldBe("embed-cli");
        var urlChunks = url.GetProperty("chunks").GetInt32();
        url.GetProperty("embeddedChunks").GetInt32().ShouldBe(urlChunks);
        EmbeddedTexts().ShouldBe(urlChunks);
        skipped.ExitCode.ShouldBe(0, skipped.ToString());
        process.GetProperty("status").GetString().ShouldBe("ready");
        process.GetProperty("embeddedChunks").GetInt32().ShouldBe(0);
        var processChunks = process.GetProperty("chunks").GetInt32();

        var shown = await CliProcess.RunAsync(["docs", "show", url.GetProperty("id").GetString()!, "--data", data.Path], Environment());
        shown.StandardOutput.ShouldContain($"ready · semantic {urlChunks}/{urlChunks}");
        var listed = await CliProcess.RunAsync(["docs", "list", "--data", data.Path], Environment());
        listed.StandardOutput.ShouldContain($"ready · semantic 0/{processChunks}");

        var reembedded = await CliProcess.RunAsync(["docs", "reembed", "--data", data.Path, "--json"], Environment());

        reembedded.ExitCode.ShouldBe(0, reembedded.ToString());
        var lines = reembedded.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        lines.Count.ShouldBe(2);
        lines.ShouldAllBe(l => l.GetProperty("embeddedChunks").GetInt32() == l.GetProperty("chunks").GetInt32());
        EmbeddedTexts().ShouldBe(urlChunks + processChunks, "the first document's texts come from the cache");
        var after = await CliProcess.RunAsync(["docs", "list", "--data", data.Path], Environment());
        after.StandardOutput.ShouldContain($"ready · semantic {processChunks}/{processChunks}");
    }

    [Fact]
    public async Task Reembed_NoEmbeddingModel_FailsNamingTheSetting()
    {
        using var data = new TempDirectory();

        var result = await CliProcess.RunAsync(["docs", "reembed", "--data", data.Path], new Dictionary<string, string?> { [EmbeddingTestSettings.ProviderVariable] = "none" });

        result.ExitCode.ShouldBe(3, result.ToString());
        result.StandardError.ShouldContain("No embedding model is configured");
    }
}
