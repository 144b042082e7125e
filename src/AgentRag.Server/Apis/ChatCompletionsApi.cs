using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using AgentRag.Agents.Citations;
using AgentRag.Agents.Sessions;
using AgentRag.Agents.Workflows;
using AgentRag.Core.Events;
using AgentRag.Core.Serialization;
using AgentRag.Core.Sessions;
using AgentRag.Core.Usage;
using AgentRag.Models;
using AgentRag.Models.Configuration;
using AgentRag.Server.Hosting;
using AgentRag.Server.Limits;
using AgentRag.Server.Security;

namespace AgentRag.Server.Apis;

/// <summary>
/// The OpenAI-compatible surface: <c>POST /v1/chat/completions</c> (streaming and not) and <c>GET /v1/models</c>, so
/// existing OpenAI clients can ask the documents. The body is a <see cref="ChatCompletionRequest"/>: the last message (a
/// user message) is the question; the earlier user messages are the conversation's history (else the stored history of
/// the <c>X-Session-ID</c> session), used to resolve follow-ups. <c>model</c> is one of the ids <c>GET /v1/models</c>
/// lists: <c>agentrag</c> (the router decides) or a chat model profile name; another is a 404 <c>model_not_found</c>.
/// The answer's content ends with a "Sources:" footer; the citations are also in the extension field <c>citations</c>,
/// the answer's warnings in <c>warnings</c>, a decline in <c>declined</c>; <c>usage</c> holds the real token totals of
/// the workflow's model calls (0 for extractive answers). Errors use OpenAI's shape
/// <c>{"error": {"message", "type", "param", "code"}}</c>.
/// <para>
/// Streaming relays the answer's tokens as the workflow writes them (ADR 0016). That text is the raw synthesis: the
/// final chunk carries the checked answer (<c>answer</c>, equal to the non-streaming <c>message.content</c>) and the
/// citations, and the two can differ (citation markers the check removed; a decline after synthesis, which ends with
/// <c>finish_reason: "content_filter"</c>). When the answer restarts after part of it was sent (a fallback model, a
/// re-run of the step), the stream ends with an error chunk (code <c>answer_restarted</c>) rather than a second copy.
/// </para>
/// </summary>
public static class ChatCompletionsApi
{
    /// <summary>The <c>code</c> of the error chunk that ends a stream whose answer restarted after part of it was sent.</summary>
    public const string AnswerRestartedCode = "answer_restarted";

    /// <summary>Appended to a streamed answer that the citation check withheld after it was sent.</summary>
    public const string WithdrawnNotice = "(The answer above is withdrawn: the documents do not support it.)";

    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1").WithTags("OpenAI-compatible").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Viewer);
        api.MapPost("/chat/completions", CompleteAsync)
            .DisableAntiforgery()
            .WithLimitGroup(LimitGroup.Queries)
            .AddEndpointFilter<QueryQuotaFilter>()
            .Accepts<ChatCompletionRequest>("application/json")
            .WithName("CreateChatCompletion")
            .WithSummary("Answer the last user message from the documents, OpenAI-style (JSON, or SSE with \"stream\": true).");
        api.MapGet("/models", ListModels).WithName("ListModels").WithSummary("The model ids /v1/chat/completions accepts.");
        return app;
    }

    /// <summary>The ids <c>GET /v1/models</c> lists and <c>/v1/chat/completions</c> accepts: <c>agentrag</c>, then the chat profiles.</summary>
    internal static IReadOnlyList<string> ModelIds(ModelCatalog models) =>
        [WorkflowService.DefaultModelName, .. models.Profiles.Where(p => p.Name != ModelProfileNames.Embedding).Select(p => p.Name)];

    internal static IResult ListModels(ModelCatalog models)
    {
        var data = new JsonArray([.. ModelIds(models).Select(id => (JsonNode)new JsonObject { ["id"] = id, ["object"] = "model", ["created"] = 0, ["owned_by"] = "agentrag" })]);
        return TypedResults.Json(new JsonObject { ["object"] = "list", ["data"] = data });
    }

    internal static async Task CompleteAsync(
        TenantId tenant, HttpContext httpContext, WorkflowService workflows, ConversationService conversations, ModelCatalog models, IUsageStore usage,
        TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var (body, readError) = await ChatCompletionRequestValidator.ReadAsync(httpContext.Request.Body, cancellationToken);
        if (readError is not null)
        {
            await WriteErrorAsync(httpContext, readError);
            return;
        }

        var (request, error) = ChatCompletionRequestValidator.Validate(body!, ModelIds(models));
        if (error is not null)
        {
            await WriteErrorAsync(httpContext, error);
            return;
        }

        if (SessionHeader.Resolve(httpContext, request!.SessionId) is { Error: { } sessionError })
        {
            await WriteErrorAsync(httpContext, new(sessionError, "sessionId", "invalid_value"));
            return;
        }

        ConversationTurn turn;
        try
        {
            var query = new QueryRequest(request.Question) { Model = request.Model };
            turn = await conversations.BeginTurnAsync(
                tenant.Value, httpContext.Response.Headers[SessionIds.HeaderName], query, request.EarlierQuestions.Count > 0 ? request.EarlierQuestions : null, cancellationToken);
        }
        catch (QueryRejectedException ex)
        {
            var (param, code) = ex.Field switch
            {
                "model" => ("model", "model_not_found"),
                "query" => ("messages", "invalid_value"),
                _ => (ex.Field, "invalid_value"),
            };
            await WriteErrorAsync(httpContext, new(ex.Message, param, code));
            return;
        }

        httpContext.Response.Headers["X-Workflow-Id"] = turn.WorkflowId;
        var completion = new Completion($"chatcmpl-{turn.WorkflowId}", created, request.Model, turn);
        if (request.Stream)
        {
            await StreamAsync(httpContext, completion, request, tenant.Value, workflows, conversations, usage, loggers, cancellationToken);
            return;
        }

        // The client's token only stops the wait: the workflow goes on and can be followed by id.
        var state = await workflows.RunAsync(tenant.Value, turn.Request, workflowId: turn.WorkflowId, cancellationToken: cancellationToken);
        await conversations.CompleteTurnAsync(tenant.Value, turn.SessionId, state, CancellationToken.None);
        if (Unanswered(state) is { } failure)
        {
            await WriteErrorAsync(httpContext, failure, "server_error");
            return;
        }

        var answer = state.Answer!;
        var tokens = await AnsweredAsync(usage, tenant.Value, state, completion, loggers, cancellationToken);
        var response = new JsonObject
        {
            ["id"] = completion.Id,
            ["object"] = "chat.completion",
            ["created"] = created,
            ["model"] = request.Model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = WithSourcesFooter(answer.Answer, answer.Citations) },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = Usage(tokens),
        };
        AddExtensions(response, state, completion);
        await TypedResults.Json(response).ExecuteAsync(httpContext);
    }

    /// <summary>What every chunk of one completion repeats.</summary>
    private sealed record Completion(string Id, long Created, string Model, ConversationTurn Turn);

    /// <summary>
    /// Streams the completion: the role at once, then each <c>token</c> of the workflow as a content chunk when it is
    /// written, then the "Sources:" footer and the final chunk with the checked answer (see the class remarks).
    /// </summary>
    private static async Task StreamAsync(
        HttpContext httpContext, Completion completion, ChatRequest request, string tenantId, WorkflowService workflows, ConversationService conversations,
        IUsageStore usage, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var response = httpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.StartAsync(cancellationToken);
        await WriteEventAsync(httpContext, Chunk(completion, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null), cancellationToken);

        // The workflow's events arrive on its subscription's thread; they are written here, in order, as they come.
        var events = Channel.CreateUnbounded<StoredEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = RunAsync();
        var relay = new TokenRelay();
        try
        {
            await foreach (var stored in events.Reader.ReadAllAsync(cancellationToken))
            {
                if (stored.Type == WorkflowEvents.Token)
                {
                    using var token = JsonDocument.Parse(stored.Data);
                    var piece = relay.Add(token.RootElement.GetProperty("stepId").GetString()!, token.RootElement.GetProperty("text").GetString() ?? "");
                    if (piece.Length > 0)
                    {
                        await WriteEventAsync(httpContext, Chunk(completion, new JsonObject { ["content"] = piece }, null), cancellationToken);
                    }
                }
                else if (stored.Type == WorkflowEvents.TokenReset)
                {
                    using var reset = JsonDocument.Parse(stored.Data);
                    var stepId = reset.RootElement.GetProperty("stepId").GetString()!;
                    if (!relay.HasSent(stepId))
                    {
                        continue; // nothing of that step reached the client
                    }

                    if (reset.RootElement.GetProperty("cause").GetString() != "restart")
                    {
                        relay.Separate(); // text before tool calls stays; the answer follows in a new paragraph
                        continue;
                    }

                    // An OpenAI stream cannot take text back: end it rather than send the answer's start a second time.
                    var restarted = new ChatRequestError(
                        $"The answer restarted after part of it was sent ({reset.RootElement.GetProperty("reason").GetString()}); the partial text is void. "
                        + $"Read the complete answer at GET /v1/queries/{completion.Turn.WorkflowId}, or ask again without streaming.",
                        null, AnswerRestartedCode);
                    await WriteEventAsync(httpContext, ErrorBody(restarted, "server_error", completion.Turn.WorkflowId), cancellationToken);
                    await WriteDoneAsync(httpContext, cancellationToken);
                    return;
                }
            }
        }
        finally
        {
            await stopWaiting.CancelAsync();
            try
            {
                await run;
            }
            catch (OperationCanceledException)
            {
                // Stopped waiting: the workflow goes on, and its answer reaches the session when it ends.
            }
        }

        var state = await run;
        await conversations.CompleteTurnAsync(tenantId, completion.Turn.SessionId, state, CancellationToken.None);
        if (Unanswered(state) is { } failure)
        {
            await WriteEventAsync(httpContext, ErrorBody(failure, "server_error", completion.Turn.WorkflowId), cancellationToken);
            await WriteDoneAsync(httpContext, cancellationToken);
            return;
        }

        var answer = state.Answer!;
        var finishReason = "stop";
        var tail = new StringBuilder();
        if (!relay.HasSentAny)
        {
            tail.Append(answer.Answer.Trim()); // nothing was streamed (e.g. an answer resumed after approval): send it whole
        }
        else if (answer.Declined && !string.Equals(relay.Text, answer.Answer.Trim(), StringComparison.Ordinal))
        {
            // The check withheld what was streamed: say so in the text too, for clients that show only the content.
            finishReason = "content_filter";
            tail.Append("\n\n").Append(WithdrawnNotice).Append(' ').Append(answer.Answer.Trim());
        }

        tail.Append(WithSourcesFooter("", answer.Citations));
        if (tail.Length > 0)
        {
            await WriteEventAsync(httpContext, Chunk(completion, new JsonObject { ["content"] = tail.ToString() }, null), cancellationToken);
        }

        var tokens = await AnsweredAsync(usage, tenantId, state, completion, loggers, cancellationToken);
        var last = Chunk(completion, new JsonObject(), finishReason);
        last["answer"] = WithSourcesFooter(answer.Answer, answer.Citations);
        AddExtensions(last, state, completion);
        await WriteEventAsync(httpContext, last, cancellationToken);
        if (request.IncludeUsage)
        {
            var usageChunk = Chunk(completion, null, null);
            usageChunk["usage"] = Usage(tokens);
            await WriteEventAsync(httpContext, usageChunk, cancellationToken);
        }

        await WriteDoneAsync(httpContext, cancellationToken);

        async Task<WorkflowState> RunAsync()
        {
            try
            {
                // The client's token only stops the wait: the workflow goes on and can be followed by id.
                return await workflows.RunAsync(tenantId, completion.Turn.Request, e => events.Writer.TryWrite(e), completion.Turn.WorkflowId, stopWaiting.Token);
            }
            finally
            {
                events.Writer.TryComplete();
            }
        }
    }

    /// <summary>The error of a workflow that ended without an answer, or null when it answered.</summary>
    private static ChatRequestError? Unanswered(WorkflowState state) =>
        state.Status == WorkflowStatus.Completed && state.Answer is not null
            ? null
            : new($"The question could not be answered ({state.Status.ToString().ToLowerInvariant()}): {state.Error}", null, "workflow_failed",
                StatusCodes.Status500InternalServerError);

    /// <summary>The workflow's token totals, logged with the completion.</summary>
    private static async Task<UsageTotals> AnsweredAsync(
        IUsageStore usage, string tenantId, WorkflowState state, Completion completion, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var tokens = await WorkflowTokensAsync(usage, tenantId, state, cancellationToken);
        loggers.CreateLogger("AgentRag.ChatCompletions").LogInformation(
            "Chat completion {CompletionId} answered in session {SessionId} ({InputTokens} input, {OutputTokens} output tokens)",
            completion.Id, completion.Turn.SessionId, tokens.InputTokens, tokens.OutputTokens);
        return tokens;
    }

    /// <summary>AgentRag's extension fields of a completion (or its final chunk).</summary>
    private static void AddExtensions(JsonObject target, WorkflowState state, Completion completion)
    {
        target["citations"] = Citations(state.Answer!.Citations);
        target["warnings"] = new JsonArray([.. state.Answer.Warnings.Select(w => (JsonNode)JsonValue.Create(w))]);
        target["declined"] = state.Answer.Declined;
        target["session_id"] = completion.Turn.SessionId;
        target["workflow_id"] = completion.Turn.WorkflowId;
    }

    /// <summary>
    /// The streamed text and the steps it came from. Whitespace at a token's end is held until more text follows, so an
    /// answer streamed unchanged equals the checked answer (which is trimmed) exactly. Not thread-safe.
    /// </summary>
    private sealed class TokenRelay
    {
        private readonly HashSet<string> _steps = new(StringComparer.Ordinal);
        private readonly StringBuilder _text = new();
        private string _pending = "";

        public bool HasSentAny => _text.Length > 0;

        public string Text => _text.ToString();

        public bool HasSent(string stepId) => _steps.Contains(stepId);

        /// <summary>The text to send for <paramref name="token"/> (possibly empty).</summary>
        public string Add(string stepId, string token)
        {
            var piece = _pending + token;
            if (_text.Length == 0)
            {
                piece = piece.TrimStart();
            }

            var sent = piece.TrimEnd();
            _pending = piece[sent.Length..];
            if (sent.Length > 0)
            {
                _text.Append(sent);
                _steps.Add(stepId);
            }

            return sent;
        }

        /// <summary>The next text starts a new paragraph.</summary>
        public void Separate()
        {
            if (_text.Length > 0)
            {
                _pending = "\n\n";
            }
        }
    }

    /// <summary>The answer followed by its numbered sources, as readers of plain chat clients see them.</summary>
    internal static string WithSourcesFooter(string answer, IReadOnlyList<Citation> citations)
    {
        if (citations.Count == 0)
        {
            return answer;
        }

        var builder = new StringBuilder(answer.TrimEnd()).Append("\n\nSources:");
        foreach (var citation in citations)
        {
            builder.Append(CultureInfo.InvariantCulture, $"\n[{citation.Number}] {citation.Display.Trim('[', ']')}");
        }

        return builder.ToString();
    }

    /// <summary>Input and output tokens of every model call attributed to the workflow (the follow-up rewrite included).</summary>
    private static async Task<UsageTotals> WorkflowTokensAsync(IUsageStore usage, string tenantId, WorkflowState state, CancellationToken cancellationToken)
    {
        // The follow-up rewrite runs just before the workflow is created; a minute's margin covers it.
        var report = await usage.QueryAsync(new UsageQuery(tenantId, state.CreatedAt.AddMinutes(-1), null, UsageGroupBy.Workflow), cancellationToken);
        return report.Groups.FirstOrDefault(g => g.Key == state.WorkflowId)?.Totals ?? UsageTotals.Empty;
    }

    private static JsonObject Usage(UsageTotals totals) => new()
    {
        ["prompt_tokens"] = totals.InputTokens,
        ["completion_tokens"] = totals.OutputTokens,
        ["total_tokens"] = totals.TotalTokens,
    };

    private static JsonNode? Citations(IReadOnlyList<Citation> citations) =>
        JsonSerializer.SerializeToNode(citations, AgentRagJson.Options);

    private static JsonObject Chunk(Completion completion, JsonObject? delta, string? finishReason) => new()
    {
        ["id"] = completion.Id,
        ["object"] = "chat.completion.chunk",
        ["created"] = completion.Created,
        ["model"] = completion.Model,
        ["choices"] = delta is null
            ? new JsonArray()
            : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
    };

    /// <summary>OpenAI's error object; <paramref name="workflowId"/> (an extension) names the workflow that can still be followed.</summary>
    private static JsonObject ErrorBody(ChatRequestError error, string type = "invalid_request_error", string? workflowId = null)
    {
        var body = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = error.Message,
                ["type"] = type,
                ["param"] = error.Param,
                ["code"] = error.Code,
            },
        };
        if (workflowId is not null)
        {
            body["workflow_id"] = workflowId;
        }

        return body;
    }

    private static Task WriteErrorAsync(HttpContext httpContext, ChatRequestError error, string type = "invalid_request_error") =>
        TypedResults.Json(ErrorBody(error, type), statusCode: error.Status).ExecuteAsync(httpContext);

    private static async Task WriteEventAsync(HttpContext httpContext, JsonNode data, CancellationToken cancellationToken)
    {
        await httpContext.Response.WriteAsync($"data: {data.ToJsonString()}\n\n", cancellationToken);
        await httpContext.Response.Body.FlushAsync(cancellationToken);
    }

    private static async Task WriteDoneAsync(HttpContext httpContext, CancellationToken cancellationToken)
    {
        await httpContext.Response.WriteAsync("data: [DONE]\n\n", cancellationToken);
        await httpContext.Response.Body.FlushAsync(cancellationToken);
    }
}
