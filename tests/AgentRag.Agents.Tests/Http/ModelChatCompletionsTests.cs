using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentRag.Agents.Synthesis;
using AgentRag.Agents.Workflows;
using AgentRag.Server.Apis;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;
using OpenAI;
using OpenAI.Chat;

namespace AgentRag.Agents.Tests.Http;

/// <summary>
/// <c>/v1/chat/completions</c> in model mode, with the OpenAI .NET SDK (or raw HTTP) as the client and the model layer
/// pointed at a scripted loopback OpenAI server with a fallback profile (<c>fallback-model</c>): usage is the tokens that
/// server served, follow-ups are rewritten by the model, and streams relay the synthesis while the model writes it
/// (restarts are voided with <c>token.reset</c> on <c>/v1/queries</c>).
/// </summary>
public sealed class ModelChatCompletionsTests : IAsyncLifetime
{
    private const string Question = "How do I assign a value to a variable in R?";
    private const string CitedAnswer = "Use the assignment operator <-, as in x <- c(10.4, 5.6, 3.1, 6.4, 21.7), which assigns a vector to x [1].";

    /// <summary>The model planner's answer: an invalid plan, so the rules plan.</summary>
    private const string Plan = """{"steps": []}""";

    private OpenAiTestServer _model = null!;
    private ConversationServerFactory _server = null!;

    public async Task InitializeAsync()
    {
        _model = await OpenAiTestServer.StartAsync();
        _server = await ConversationServerFactory.StartWithModelAsync(_model, new Dictionary<string, string?> { ["AGENTRAG_FALLBACK_MODEL"] = "fallback-model" });
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

    private async Task<HttpResponseMessage> StreamChatAsync()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "agentrag", stream = true, messages = new object[] { new { role = "user", content = Question } } }),
        };
        var response = await _server.CreateClient().SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return response;
    }

    private static string? Content(JsonElement chunk) =>
        chunk.TryGetProperty("choices", out var choices) && choices.GetArrayLength() > 0
        && choices[0].GetProperty("delta").TryGetProperty("content", out var content) ? content.GetString() : null;

    private static string? FinishReason(JsonElement chunk) =>
        chunk.TryGetProperty("choices", out var choices) && choices.GetArrayLength() > 0 && choices[0].GetProperty("finish_reason").ValueKind == JsonValueKind.String
            ? choices[0].GetProperty("finish_reason").GetString()
            : null;

    private static string Data(SseEvent e, string property) => JsonDocument.Parse(e.Data).RootElement.GetProperty(property).ToString();

    [Fact]
    public async Task StreamChat_ModelWritesSlowly_FirstContentChunkArrivesBeforeTheModelFinishes()
    {
        _model.Chat.Enqueue(ScriptedResponse.Reply(Plan));
        var synthesis = _model.Chat.Enqueue(ScriptedResponse.PausedAfter(3, ScriptedResponse.Reply(CitedAnswer)));
        using var response = await StreamChatAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var events = SseClient.ReadEventsAsync(response, timeout.Token).GetAsyncEnumerator(timeout.Token);

        string? first = null;
        while (first is null && await events.MoveNextAsync())
        {
            first = Content(JsonDocument.Parse(events.Current.Data).RootElement) is { Length: > 0 } text ? text : null;
        }

        // The model cannot finish before Release below, so holding a word now proves the answer streams. (The first word
        // can reach the client before the model's third is written, so wait for the pause rather than assert it.)
        first.ShouldNotBeNull();
        await synthesis.Paused.WaitAsync(timeout.Token);
        CitedAnswer.ShouldStartWith(first);
        "Use the assignment operator ".ShouldStartWith(first);

        synthesis.Release();
        var content = new StringBuilder(first);
        var chunks = new List<JsonElement>();
        while (await events.MoveNextAsync() && events.Current.Data != "[DONE]")
        {
            var chunk = JsonDocument.Parse(events.Current.Data).RootElement.Clone();
            chunks.Add(chunk);
            content.Append(Content(chunk));
        }

        content.ToString().ShouldStartWith(CitedAnswer);
        content.ToString().ShouldContain("\n\nSources:\n[1] R-intro.pdf, p. ");
        var last = chunks.Last(c => FinishReason(c) is not null);
        FinishReason(last).ShouldBe("stop");
        last.GetProperty("answer").GetString().ShouldBe(content.ToString()); // the check changed nothing: streamed = checked
        last.GetProperty("declined").GetBoolean().ShouldBeFalse();
        last.GetProperty("citations").GetArrayLength().ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task StreamChat_PrimaryFailsMidStreamAndFallbackAnswers_EndsWithAnErrorChunkAndNoSecondCopy()
    {
        _model.Chat.Enqueue(ScriptedResponse.Reply(Plan), model: "primary-model");
        _model.Chat.Enqueue(ScriptedResponse.AbortMidStream(CitedAnswer, chunksBeforeAbort: 3), model: "primary-model");
        _model.Chat.Enqueue(ScriptedResponse.Reply(CitedAnswer), model: "fallback-model");
        using var response = await StreamChatAsync();
        var workflowId = response.Headers.GetValues("X-Workflow-Id").Single();

        var data = (await SseClient.ReadAllAsync(response, TimeSpan.FromSeconds(30))).Select(e => e.Data).ToList();

        data[^1].ShouldBe("[DONE]");
        var chunks = data[..^1].Select(d => JsonDocument.Parse(d).RootElement).ToList();
        var content = string.Concat(chunks.Select(Content));
        content.ShouldBe("Use the assignment"); // the primary's three words, once; nothing of the fallback's copy
        chunks.ShouldAllBe(c => FinishReason(c) == null);
        var error = chunks[^1].GetProperty("error");
        (error.GetProperty("type").GetString(), error.GetProperty("code").GetString()).ShouldBe(("server_error", ChatCompletionsApi.AnswerRestartedCode));
        error.GetProperty("message").GetString()!.ShouldContain($"/v1/queries/{workflowId}");
        chunks[^1].GetProperty("workflow_id").GetString().ShouldBe(workflowId);

        // The workflow went on with the fallback model; its own stream voids the primary's words with token.reset.
        using var replay = await SseClient.OpenAsync(_server.CreateClient(), $"/v1/queries/{workflowId}/events");
        var events = await SseClient.ReadAllAsync(replay, TimeSpan.FromSeconds(30));
        var reset = events.Single(e => e.Type == WorkflowEvents.TokenReset);
        (Data(reset, "stepId"), Data(reset, "agent"), Data(reset, "attempt"), Data(reset, "cause")).ShouldBe(("synthesize", "synthesis", "1", "restart"));
        string.Concat(events.Where(e => e.Type == WorkflowEvents.Token && e.Id < reset.Id).Select(e => Data(e, "text"))).ShouldBe("Use the assignment ");
        string.Concat(events.Where(e => e.Type == WorkflowEvents.Token && e.Id > reset.Id).Select(e => Data(e, "text"))).Trim().ShouldBe(CitedAnswer);
        Data(events.Single(e => e.Type == WorkflowEvents.Done), "answer").ShouldBe(CitedAnswer);
        _model.Count("chat", "fallback-model").ShouldBe(1);
    }

    [Fact]
    public async Task BenchQuery_PrimaryFailsMidStream_CountsTheTokenResetAndTheQuerySucceeds()
    {
        _model.Chat.Enqueue(ScriptedResponse.Reply(Plan), model: "primary-model");
        _model.Chat.Enqueue(ScriptedResponse.AbortMidStream(CitedAnswer, chunksBeforeAbort: 3), model: "primary-model");
        _model.Chat.Enqueue(ScriptedResponse.Reply(CitedAnswer), model: "fallback-model");

        var result = await Benchmarks.QueryBenchmark.RunHttpAsync(_server.CreateClient(),
            new Benchmarks.QueryBenchmarkOptions { Concurrency = 1, Questions = [Question], Mode = "auto" });

        (result.Queries, result.Errors).ShouldBe((1, 0), string.Join("; ", result.ErrorSamples));
        result.TokenResets.ShouldBe(1);
        result.TimeToFirstTokenP50Ms.ShouldBeGreaterThan(0); // the fallback's first token: the answer that stands
        _model.Count("chat", "fallback-model").ShouldBe(1);
    }

    [Fact]
    public async Task StreamChat_AnswerWithheldByTheCitationCheck_EndsWithContentFilterTheDeclineAndAWarning()
    {
        const string Unsupported = "Bananas are yellow and rich in potassium [1].";
        _model.Chat.Enqueue(ScriptedResponse.Reply(Plan));
        _model.Chat.Enqueue(ScriptedResponse.Reply(Unsupported));
        using var response = await StreamChatAsync();

        var data = (await SseClient.ReadAllAsync(response, TimeSpan.FromSeconds(30))).Select(e => e.Data).ToList();

        data[^1].ShouldBe("[DONE]");
        var chunks = data[..^1].Select(d => JsonDocument.Parse(d).RootElement).ToList();
        var content = string.Concat(chunks.Select(Content));
        content.ShouldStartWith($"{Unsupported}\n\n{ChatCompletionsApi.WithdrawnNotice} {ExtractiveSynthesizer.DeclineText} Searched for “");
        var last = chunks.Single(c => FinishReason(c) is not null);
        FinishReason(last).ShouldBe("content_filter");
        last.GetProperty("declined").GetBoolean().ShouldBeTrue();
        last.GetProperty("answer").GetString()!.ShouldStartWith($"{ExtractiveSynthesizer.DeclineText} Searched for “"); // names what was searched
        last.GetProperty("citations").GetArrayLength().ShouldBe(0);
        last.GetProperty("warnings").EnumerateArray().ShouldContain(w => w.GetString()!.Contains("withheld", StringComparison.Ordinal));
    }
}
