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
    public async Task Post_EveryFieldOpenAiDocuments_IsAcceptedAndAnswered()
    {
        const string Body = """
            {"model": "agentrag", "messages": [{"role": "developer", "content": "Be brief.", "name": "dev"}, {"role": "user", "content": "How do I read a data frame from a file with read.table?", "name": "ann"}],
             "stream": false, "stream_options": null, "n": 1, "temperature": 0.2, "top_p": 0.9, "presence_penalty": 0.5, "frequency_penalty": -0.5,
             "seed": 42, "max_tokens": 300, "max_completion_tokens": 300, "logit_bias": {"50256": -100}, "logprobs": false, "top_logprobs": 0,
             "response_format": {"type": "text"}, "tools": [], "tool_choice": "none", "parallel_tool_calls": false, "functions": [], "function_call": "auto",
             "stop": ["\n\nUser:"], "user": "user-1234", "metadata": {"source": "test"}, "store": false, "service_tier": "auto", "modalities": ["text"],
             "audio": null, "prediction": {"type": "content", "content": "x"}, "reasoning_effort": "low", "verbosity": "low", "web_search_options": null,
             "prompt_cache_key": "k", "safety_identifier": "s"}
            """;

        var response = await factory.CreateClient().PostAsync("/v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("choices").GetArrayLength().ShouldBe(1);
        body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!.ShouldContain("read.table");
    }

    [Theory]
    [InlineData("\"n\": 2", "n", "unsupported_value")]
    [InlineData("\"n\": 0", "n", "invalid_value")]
    [InlineData("\"logprobs\": true", "logprobs", "unsupported_value")]
    [InlineData("\"top_logprobs\": 5", "top_logprobs", "unsupported_value")]
    [InlineData("\"temperature\": 2.5", "temperature", "invalid_value")]
    [InlineData("\"top_p\": -0.1", "top_p", "invalid_value")]
    [InlineData("\"max_tokens\": 0", "max_tokens", "invalid_value")]
    [InlineData("\"logit_bias\": {\"50256\": 101}", "logit_bias", "invalid_value")]
    [InlineData("\"response_format\": {\"type\": \"json_object\"}", "response_format", "unsupported_value")]
    [InlineData("\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}]", "tools", "unsupported_value")]
    [InlineData("\"tool_choice\": \"required\"", "tool_choice", "unsupported_value")]
    [InlineData("\"stop\": [\"a\", \"b\", \"c\", \"d\", \"e\"]", "stop", "invalid_value")]
    [InlineData("\"modalities\": [\"text\", \"audio\"]", "modalities", "unsupported_value")]
    [InlineData("\"audio\": {\"voice\": \"alloy\", \"format\": \"mp3\"}", "audio", "unsupported_value")]
    [InlineData("\"temperature\": \"hot\"", "temperature", "invalid_type")]
    [InlineData("\"stream\": \"yes\"", "stream", "invalid_type")]
    [InlineData("\"temprature\": 0.2", "temprature", "unknown_parameter")]
    [InlineData("\"stream_options\": {\"include_usage\": true, \"extra\": 1}", "stream_options.extra", "unknown_parameter")]
    public async Task Post_UnsupportedOrInvalidValue_Is400NamingTheParameter(string member, string param, string code)
    {
        var json = $$"""{"model": "agentrag", "messages": [{"role": "user", "content": "{{Question}}"}], {{member}}}""";

        var response = await factory.CreateClient().PostAsync("/v1/chat/completions", new StringContent(json, Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        error.GetProperty("type").GetString().ShouldBe("invalid_request_error");
        (error.GetProperty("param").GetString(), error.GetProperty("code").GetString()).ShouldBe((param, code));
        error.GetProperty("message").GetString()!.ShouldContain(param.Split('.')[^1]);
    }

    [Fact]
    public async Task Post_ModelNotListed_Is404ModelNotFoundAndListedIdsAnswer()
    {
        var listed = (await factory.CreateClient().GetFromJsonAsync<JsonElement>("/v1/models")).GetProperty("data").EnumerateArray()
            .Select(m => m.GetProperty("id").GetString()!).ToList();

        var response = await factory.CreateClient().PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "gpt-4o",
            messages = new object[] { new { role = "user", content = Question } },
        });

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        (error.GetProperty("param").GetString(), error.GetProperty("code").GetString()).ShouldBe(("model", "model_not_found"));
        error.GetProperty("type").GetString().ShouldBe("invalid_request_error");
        error.GetProperty("message").GetString()!.ShouldContain("'gpt-4o'");
        foreach (var id in listed)
        {
            var ok = await factory.CreateClient().PostAsJsonAsync("/v1/chat/completions", new { model = id, messages = new object[] { new { role = "user", content = Question } } });
            ok.StatusCode.ShouldBe(HttpStatusCode.OK, id);
            (await ok.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("model").GetString().ShouldBe(id);
        }
    }

    [Fact]
    public async Task CompleteChatStreaming_SdkWithSamplingOptionsAndStreamOptions_IsAnswered()
    {
        var options = new ChatCompletionOptions
        {
            Temperature = 0.3f,
            TopP = 0.9f,
            FrequencyPenalty = 0.1f,
            PresencePenalty = 0.1f,
            EndUserId = "user-1",
            MaxOutputTokenCount = 400,
            StoredOutputEnabled = false,
            StopSequences = { "\n\nUser:" },
            ResponseFormat = ChatResponseFormat.CreateTextFormat(),
            Metadata = { ["source"] = "test" },
        };
        var text = new StringBuilder();

        await foreach (var update in SdkClient().CompleteChatStreamingAsync([new UserChatMessage(Question)], options))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        text.ToString().ShouldContain("read.table");
    }

    [Fact]
    public async Task GetOpenApi_ChatCompletions_DocumentsTheRequestBodySchema()
    {
        var document = await factory.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var operation = document.GetProperty("paths").GetProperty("/v1/chat/completions").GetProperty("post");
        var schema = operation.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        var name = schema.GetProperty("$ref").GetString()!.Split('/')[^1];
        var properties = document.GetProperty("components").GetProperty("schemas").GetProperty(name).GetProperty("properties");
        foreach (var field in new[] { "model", "messages", "stream", "stream_options", "n", "temperature", "user", "metadata", "tools", "sessionId" })
        {
            properties.TryGetProperty(field, out _).ShouldBeTrue(field);
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
