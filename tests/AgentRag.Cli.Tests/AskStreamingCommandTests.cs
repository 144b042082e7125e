using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;

namespace AgentRag.Cli.Tests;

/// <summary><c>agentrag ask</c> streaming a model's answer (the built CLI over a loopback OpenAI server with a fallback model).</summary>
public sealed class AskStreamingCommandTests
{
    private const string Answer = "The beforeExit event is emitted when Node.js empties its event loop and has no additional work to schedule [1].";

    [Fact]
    public async Task Ask_PrimaryModelFailsMidStream_PrintsTheResetReasonThenTheFallbacksAnswerOnce()
    {
        await using var model = await OpenAiTestServer.StartAsync();
        model.Chat.Enqueue(ScriptedResponse.AbortMidStream(Answer, chunksBeforeAbort: 3), model: "primary-model");
        model.Chat.Enqueue(ScriptedResponse.Reply(Answer), model: "fallback-model");
        using var data = new TempDirectory();
        var ingest = await CliProcess.RunAsync(["ingest", SharedPaths.CorpusFile("nodejs-process.md"), "--data", data.Path, "--json"]);
        ingest.ExitCode.ShouldBe(0, ingest.ToString());
        var environment = new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = model.BaseUrl.ToString(),
            ["OPENAI_API_KEY"] = "test-key",
            ["AGENTRAG_CHAT_MODEL"] = "primary-model",
            ["AGENTRAG_FALLBACK_MODEL"] = "fallback-model",
            ["AgentRag__Models__Resilience__MaxRetries"] = "0",
            ["AgentRag__Agents__UseModelPlanner"] = "false",
        };

        var ask = await CliProcess.RunAsync(["ask", "What does the beforeExit event do?", "--data", data.Path], environment);

        ask.ExitCode.ShouldBe(0, ask.ToString());
        var lines = ask.StandardOutput.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var reset = lines.IndexOf("(The model stream failed part-way; it restarts on the fallback model.)");
        reset.ShouldBeGreaterThan(0, ask.StandardOutput);
        lines[reset - 1].ShouldBe("The beforeExit event "); // the primary's words, voided
        lines[reset + 1].ShouldStartWith(Answer); // the answer again from its start, below the reason
        ask.StandardOutput.Split(Answer).Length.ShouldBe(2); // the whole answer once
        model.Count("chat", "fallback-model").ShouldBe(1);
    }
}
