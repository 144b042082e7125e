using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;

namespace AgentRag.Agents.Tests.Http;

/// <summary><c>/v1/chat/completions</c> and <c>/v1/models</c> with the official OpenAI .NET SDK as the client (model-free server).</summary>
public sealed class ChatCompletionsApiTests(ConversationServerFactory factory) : IClassFixture<ConversationServerFactory>
{
    private const string Question = "How do I read a data frame from a file with read.table?";

    private ChatClient SdkClient(string model = "agentrag") => new(model, new ApiKeyCredential("not-checked"), new OpenAIClientOptions
    {
        Endpoint = new Uri(factory.Server.BaseAddress, "/v1"),
        Transport = new HttpClientPipelineTransport(factory.CreateClient()),
    });

    [Fact]
    public async Task CompleteChat_OpenAiSdk_ReturnsCitedAnswerWithSourcesFooterAndCitationsField()
    {
        ClientResult<ChatCompletion> result = await SdkClient().CompleteChatAsync([new UserChatMessage(Question)]);

        var completion = result.Value;
        completion.Role.ShouldBe(ChatMessageRole.Assistant);
        completion.FinishReason.ShouldBe(ChatFinishReason.Stop);
        completion.Model.ShouldBe("agentrag");
        completion.Id.ShouldStartWith("chatcmpl-wf_");
        var content = completion.Content.Single().Text;
        content.ShouldContain("read.table");
        content.ShouldContain("\n\nSources:\n[1] R-");
        completion.Usage.InputTokenCount.ShouldBe(0); // extractive: no model calls
        completion.Usage.OutputTokenCount.ShouldBe(0);

        using var raw = JsonDocument.Parse(result.GetRawResponse().Content);
        var citations = raw.RootElement.GetProperty("citations").EnumerateArray().ToList();
        citations.ShouldNotBeEmpty();
        citations[0].GetProperty("number").GetInt32().ShouldBe(1);
        citations[0].GetProperty("documentName").GetString()!.ShouldStartWith("R-");
        citations[0].GetProperty("pages").GetArrayLength().ShouldBeGreaterThan(0);
        result.GetRawResponse().Headers.TryGetValue("X-Session-ID", out var sessionId).ShouldBeTrue();
        sessionId!.ShouldStartWith("ses_");
    }

    [Fact]
    public async Task CompleteChatStreaming_OpenAiSdk_StreamsTheSameCitedAnswerWithUsage()
    {
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        var updates = 0;
        await foreach (var update in SdkClient().CompleteChatStreamingAsync([new UserChatMessage(Question)]))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        updates.ShouldBeGreaterThan(3);
        finish.ShouldBe(ChatFinishReason.Stop);
        text.ToString().ShouldContain("read.table");
        text.ToString().ShouldContain("\n\nSources:\n[1] R-");
        usage.ShouldNotBeNull();
        usage.TotalTokenCount.ShouldBe(0);

        var nonStreamed = (await SdkClient().CompleteChatAsync([new UserChatMessage(Question)])).Value.Content.Single().Text;
        text.ToString().ShouldBe(nonStreamed);
    }

    [Fact]
    public async Task Post_Streaming_FinalChunkCarriesCitationsThenUsageThenDone()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new
            {
                model = "agentrag",
                stream = true,
                stream_options = new { include_usage = true },
                messages = new object[] { new { role = "user", content = Question } },
            }),
        };
        using var response = await factory.CreateClient().SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");

        var data = (await response.Content.ReadAsStringAsync())
            .Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.StartsWith("data: ", StringComparison.Ordinal) ? e["data: ".Length..] : throw new InvalidDataException(e))
            .ToList();

        data[^1].ShouldBe("[DONE]");
        var chunks = data[..^1].Select(d => JsonDocument.Parse(d).RootElement).ToList();
        chunks.ShouldAllBe(c => c.GetProperty("object").GetString() == "chat.completion.chunk");
        chunks.Select(c => c.GetProperty("id").GetString()).Distinct().Count().ShouldBe(1);
        chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString().ShouldBe("assistant");
        var last = chunks[^2];
        last.GetProperty("choices")[0].GetProperty("finish_reason").GetString().ShouldBe("stop");
        last.GetProperty("citations").GetArrayLength().ShouldBeGreaterThan(0);
        var usage = chunks[^1];
        usage.GetProperty("choices").GetArrayLength().ShouldBe(0);
        usage.GetProperty("usage").GetProperty("total_tokens").GetInt64().ShouldBe(0);
    }

    [Fact]
    public async Task Post_EarlierMessagesAsHistory_ResolvesTheFollowUp()
    {
        var response = await factory.CreateClient().PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "agentrag",
            messages = new object[]
            {
                new { role = "system", content = "Answer from the R manuals." },
                new { role = "user", content = Question },
                new { role = "assistant", content = "Use read.table(file, header = TRUE)." },
                new { role = "user", content = "and what about its defaults?" },
            },
        });

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var sessionId = body.GetProperty("session_id").GetString()!;
        var session = await factory.CreateClient().GetFromJsonAsync<JsonElement>($"/v1/sessions/{sessionId}");
        var turn = session.GetProperty("turns").EnumerateArray().Single();
        turn.GetProperty("question").GetString().ShouldBe("and what about its defaults?");
        turn.GetProperty("query").GetString().ShouldBe("and what about its defaults? (read.table)");
        turn.GetProperty("workflowId").GetString().ShouldBe(body.GetProperty("workflow_id").GetString());
        body.GetProperty("citations").EnumerateArray()
            .ShouldContain(c => c.GetProperty("quote").GetString()!.Contains("read.table", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"model":"agentrag"}""", "messages", "missing_required_parameter")]
    [InlineData("""{"model":"agentrag","messages":"hello"}""", "messages", "invalid_type")]
    [InlineData("""{"model":"agentrag","messages":[]}""", "messages", "empty_array")]
    [InlineData("""{"model":"agentrag","messages":[{"content":"hi"}]}""", "messages[0].role", "missing_required_parameter")]
    [InlineData("""{"model":"agentrag","messages":[{"role":"wizard","content":"hi"}]}""", "messages[0].role", "invalid_value")]
    [InlineData("""{"model":"agentrag","messages":[{"role":"user","content":42}]}""", "messages[0].content", "invalid_type")]
    [InlineData("""{"model":"agentrag","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}""", "messages[0].content[0]", "invalid_value")]
    [InlineData("""{"model":"agentrag","messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}""", "messages[1].role", "invalid_value")]
    [InlineData("""{"model":"agentrag","messages":[{"role":"user","content":"  "}]}""", "messages[0].content", "invalid_value")]
    [InlineData("""{"model":"agentrag","messages":[{"role":"user","content":"q"}]""", null, "invalid_json")]
    public async Task Post_MalformedMessages_Is400InOpenAiErrorShape(string json, string? param, string code)
    {
        var response = await factory.CreateClient().PostAsync("/v1/chat/completions", new StringContent(json, Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        error.GetProperty("type").GetString().ShouldBe("invalid_request_error");
        error.GetProperty("code").GetString().ShouldBe(code);
        error.GetProperty("message").GetString().ShouldNotBeNullOrWhiteSpace();
        if (param is null)
        {
            error.GetProperty("param").ValueKind.ShouldBe(JsonValueKind.Null);
        }
        else
        {
            error.GetProperty("param").GetString().ShouldBe(param);
            error.GetProperty("message").GetString()!.ShouldContain(param.Split('.')[0]);
        }
    }

    [Fact]
    public async Task CompleteChat_MalformedMessagesViaSdk_ThrowsClientResultExceptionWith400()
    {
        var ex = await Should.ThrowAsync<ClientResultException>(() => SdkClient().CompleteChatAsync([new AssistantChatMessage("no question")]));

        ex.Status.ShouldBe(400);
        ex.Message.ShouldContain("must be the user's question");
    }

    [Fact]
    public async Task GetModels_ListsAgentRag()
    {
        var models = await factory.CreateClient().GetFromJsonAsync<JsonElement>("/v1/models");

        models.GetProperty("object").GetString().ShouldBe("list");
        models.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ShouldContain("agentrag");
    }

    [Fact]
    public async Task Post_MalformedSessionHeader_Is400InOpenAiErrorShape()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "agentrag", messages = new object[] { new { role = "user", content = Question } } }),
        };
        request.Headers.TryAddWithoutValidation("X-Session-ID", "not ok!");

        var response = await factory.CreateClient().SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        error.GetProperty("param").GetString().ShouldBe("sessionId");
        error.GetProperty("message").GetString()!.ShouldContain("'not ok!' is malformed");
    }
}
