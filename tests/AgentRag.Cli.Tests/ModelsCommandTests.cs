using System.Text.Json;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;

namespace AgentRag.Cli.Tests;

/// <summary><c>agentrag models check</c> and <c>agentrag usage</c> against a loopback OpenAI-compatible server.</summary>
public sealed class ModelsCommandTests
{
    [Fact]
    public async Task ModelsCheck_LoopbackServer_EveryProfileOkAndUsageTokensEqualWhatWasServed()
    {
        await using var server = await OpenAiTestServer.StartAsync();
        using var data = new TempDirectory();
        var environment = new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = server.BaseUrl.ToString(),
            ["OPENAI_API_KEY"] = "test-key",
            ["AGENTRAG_CHAT_MODEL"] = "chat-model",
            ["AGENTRAG_EMBEDDING_MODEL"] = "embedding-model",
            [EmbeddingTestSettings.ProviderVariable] = "openai",
        };

        var check = await CliProcess.RunAsync(["models", "check", "--data", data.Path, "--json"], environment);

        check.ExitCode.ShouldBe(0, check.ToString());
        var probes = check.OutputLines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        probes.Select(p => p.GetProperty("profile").GetString()).ShouldContain("primary");
        probes.Select(p => p.GetProperty("profile").GetString()).ShouldContain("embedding");
        probes.ShouldAllBe(p => p.GetProperty("ok").GetBoolean() && p.GetProperty("latencyMs").GetDouble() >= 0);

        var usage = await CliProcess.RunAsync(["usage", "--data", data.Path, "--json"], environment);

        usage.ExitCode.ShouldBe(0, usage.ToString());
        var report = JsonDocument.Parse(usage.StandardOutput).RootElement;
        var rows = report.GetProperty("rows").EnumerateArray().ToList();
        rows.Count.ShouldBe(probes.Count);
        rows.Sum(r => r.GetProperty("inputTokens").GetInt64()).ShouldBe(server.ServedPromptTokens);
        rows.Sum(r => r.GetProperty("outputTokens").GetInt64()).ShouldBe(server.ServedCompletionTokens);
        report.GetProperty("totals").GetProperty("calls").GetInt64().ShouldBe(rows.Count);
    }

    [Fact]
    public async Task ModelsCheck_ClosedPort_FailsNamingTheProfileAndUrl()
    {
        using var data = new TempDirectory();
        var port = FreePort.Next();
        var url = $"http://127.0.0.1:{port}/v1";

        var check = await CliProcess.RunAsync(["models", "check", "--data", data.Path],
            new Dictionary<string, string?> { ["OPENAI_BASE_URL"] = url, ["OPENAI_API_KEY"] = "k", ["AGENTRAG_CHAT_MODEL"] = "m" });

        check.ExitCode.ShouldNotBe(0, check.ToString());
        var output = check.StandardOutput + check.StandardError;
        output.ShouldContain("primary");
        output.ShouldContain($"127.0.0.1:{port}");
    }

    [Fact]
    public async Task ModelsCheck_NothingConfigured_ExitsWithAConfigurationError()
    {
        using var data = new TempDirectory();

        var check = await CliProcess.RunAsync(["models", "check", "--data", data.Path]);

        check.ExitCode.ShouldBe(3, check.ToString());
        check.StandardError.ShouldContain("OPENAI_BASE_URL");
    }
}
