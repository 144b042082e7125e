using AgentRag.Core;
using AgentRag.Ingestion.Pipeline;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Server.Tests;

/// <summary>
/// The official <c>openai</c> npm client (pinned in <c>tests/openapi-client/package-lock.json</c>) streams
/// <c>/v1/chat/completions</c> from the server on Kestrel, whose chat model is the scripted loopback OpenAI server, and
/// parses every chunk (<c>tests/openapi-client/openai-stream.test.mjs</c>).
/// </summary>
public sealed class OpenAiNodeClientTests
{
    private const string Question = "What does the beforeExit event do?";
    private const string Answer = "The 'beforeExit' event is emitted when Node.js empties its event loop and has no additional work to schedule [1].";

    [Fact]
    public async Task OpenAiNpmClient_StreamsAChatCompletion_ParsesEveryChunkWithUsage()
    {
        await using var model = await OpenAiTestServer.StartAsync();
        using var factory = new AgentRagServerFactory(new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = model.BaseUrl.ToString(),
            ["AGENTRAG_CHAT_MODEL"] = "primary-model",
            ["AgentRag:Models:Resilience:MaxRetries"] = "0",
        });
        var url = factory.StartOnKestrel();
        var ingestion = factory.Services.GetRequiredService<DocumentIngestionService>();
        var submitted = await ingestion.SubmitFileAsync(Tenancy.DefaultTenant, SharedPaths.CorpusFile("nodejs-process.md"));
        (await ingestion.ProcessAsync(Tenancy.DefaultTenant, submitted.Document.Id))!.Status.ShouldBe(Core.Documents.DocumentStatus.Ready);
        model.Chat.Enqueue(ScriptedResponse.Reply("""{"steps": []}""")); // the planner: invalid, so the rules plan
        model.Chat.Enqueue(ScriptedResponse.Reply(Answer)); // synthesis, streamed

        var output = await NodeScript.RunAsync(
            NodeScript.Folder("openapi-client"),
            new Dictionary<string, string>
            {
                ["AGENTRAG_URL"] = url.ToString().TrimEnd('/'),
                ["QUESTION"] = Question,
                ["EXPECTED_ANSWER"] = Answer,
            },
            ["openai-stream.test.mjs"]);

        output.ShouldContain($"usage: {model.ServedPromptTokens} prompt, {model.ServedCompletionTokens} completion tokens");
        model.ServedCompletionTokens.ShouldBeGreaterThan(0);
    }
}
