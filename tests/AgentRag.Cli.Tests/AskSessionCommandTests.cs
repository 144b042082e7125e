using System.Text.Json;
using AgentRag.TestKit;

namespace AgentRag.Cli.Tests;

/// <summary><c>agentrag ask --session</c>, run as the built CLI on the R manuals.</summary>
public sealed class AskSessionCommandTests
{
    [Fact]
    public async Task Ask_FollowUpInSession_CitesReadTablePassages()
    {
        using var data = new TempDirectory();
        var ingest = await CliProcess.RunAsync(["ingest", SharedPaths.CorpusFile("R-data.pdf"), SharedPaths.CorpusFile("R-intro.pdf"), "--data", data.Path, "--json"]);
        ingest.ExitCode.ShouldBe(0, ingest.ToString());

        var first = await CliProcess.RunAsync(
            ["ask", "How do I read a data frame from a file with read.table?", "--session", "cli-session", "--mode", "extractive", "--data", data.Path, "--json"]);
        first.ExitCode.ShouldBe(0, first.ToString());
        var followUp = await CliProcess.RunAsync(
            ["ask", "and what about its defaults?", "--session", "cli-session", "--mode", "extractive", "--data", data.Path, "--json"]);

        followUp.ExitCode.ShouldBe(0, followUp.ToString());
        var citations = JsonDocument.Parse(followUp.StandardOutput).RootElement.GetProperty("citations").EnumerateArray().ToList();
        citations.ShouldContain(c => c.GetProperty("quote").GetString()!.Contains("read.table", StringComparison.Ordinal), followUp.StandardOutput);
    }

    [Fact]
    public async Task Ask_MalformedSession_ExitsWithUsageErrorNamingTheId()
    {
        using var data = new TempDirectory();

        var result = await CliProcess.RunAsync(["ask", "What is R?", "--session", "bad id!", "--data", data.Path]);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.StandardError.ShouldContain("'bad id!' is malformed");
    }
}
