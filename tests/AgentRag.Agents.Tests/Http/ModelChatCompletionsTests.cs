using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentRag.TestKit.OpenAi;
using OpenAI;
using OpenAI.Chat;

namespace AgentRag.Agents.Tests.Http;

/// <summary>
/// <c>/v1/chat/completions</c> in model mode, with the OpenAI .NET SDK as the client and the model layer pointed at a
/// scripted loopback OpenAI server: usage is the tokens that server served, and follow-ups are rewritten by the model.
/// </summary>
public sealed class ModelChatCompletionsTests : IAsyncLifetime
{
    private const string Question = "How do I assign a value to a variable in R?";
    private const string CitedAnswer = "Use the assignment operator <-, as in x <- c(10.4, 5.6, 3.1, 6.4, 21.7), which assigns a vector to x [1].";

    private OpenAiTestServer _model = null!;
    private ConversationServerFactory _server = null!;

    public async Task InitializeAsync()
    {
        _model = await OpenAiTestServer.StartAsync();
        _server = await ConversationServerFactory.StartWithModelAsync(_model);
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)_server).DisposeAsync();
        await _model.DisposeAsync();
    }

    private ChatClient SdkClient() => new("agentrag", new ApiKeyCredential("not-checked"), new OpenAIClientOptions
    {
        Endpoint = new Uri(_server.Server.BaseAddress, "/v1"),
        Transport = new HttpClientPipelineTransport(_server.CreateClient()),
    });

    [Fact]
    public async Task CompleteChat_FollowUpWithHistory_ModelRewritesItAndUsageIsTheServedTokens()
    {
        // The model's standalone form of the follow-up; the scripted answer cites the assignment passage it retrieves.
        const string Rewritten = "How do I assign a value to a variable in R?";
        _model.Chat.Enqueue(ScriptedResponse.Reply(Rewritten)); // the follow-up rewrite
        _model.Chat.Enqueue(ScriptedResponse.Reply("""{"steps": []}""")); // the planner: invalid, so the rules plan
        _model.Chat.Enqueue(ScriptedResponse.Reply(CitedAnswer)); // synthesis

        ClientResult<ChatCompletion> result = await SdkClient().CompleteChatAsync(
            [new UserChatMessage(Question), new AssistantChatMessage("Use <-."), new UserChatMessage("and can it go the other way?")]);

        var completion = result.Value;
        completion.Content.Single().Text.ShouldStartWith(CitedAnswer, customMessage: result.GetRawResponse().Content.ToString());
        completion.Content.Single().Text.ShouldContain("\n\nSources:\n[1] R-intro.pdf, p. ");
        _model.Count("chat").ShouldBe(3);
        completion.Usage.InputTokenCount.ShouldBe((int)_model.ServedPromptTokens);
        completion.Usage.OutputTokenCount.ShouldBe((int)_model.ServedCompletionTokens);
        completion.Usage.InputTokenCount.ShouldBeGreaterThan(0);

        var rewriteRequest = _model.Requests.First(r => r.Body.Contains("Latest question", StringComparison.Ordinal)).Json!.ToJsonString();
        rewriteRequest.ShouldContain("1. How do I assign a value to a variable in R?");
        rewriteRequest.ShouldContain("and can it go the other way?");
        using var raw = JsonDocument.Parse(result.GetRawResponse().Content);
        var session = await _server.CreateClient().GetFromJsonAsync<JsonElement>($"/v1/sessions/{raw.RootElement.GetProperty("session_id").GetString()}");
        var turn = session.GetProperty("turns").EnumerateArray().Single();
        turn.GetProperty("question").GetString().ShouldBe("and can it go the other way?");
        turn.GetProperty("query").GetString().ShouldBe(Rewritten);
    }

    [Fact]
    public async Task CompleteChatStreaming_ModelMode_UsageChunkHasTheServedTokensAndContentEndsWithSources()
    {
        _model.Chat.Enqueue(ScriptedResponse.Reply("""{"steps": []}"""));
        _model.Chat.Enqueue(ScriptedResponse.Reply(CitedAnswer));
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;

        await foreach (var update in SdkClient().CompleteChatStreamingAsync([new UserChatMessage(Question)]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
        }

        text.ToString().ShouldStartWith(CitedAnswer);
        text.ToString().ShouldContain("\n\nSources:\n[1] R-intro.pdf, p. ");
        usage.ShouldNotBeNull();
        usage.InputTokenCount.ShouldBe((int)_model.ServedPromptTokens);
        usage.OutputTokenCount.ShouldBe((int)_model.ServedCompletionTokens);
        usage.TotalTokenCount.ShouldBeGreaterThan(0);
    }
}
