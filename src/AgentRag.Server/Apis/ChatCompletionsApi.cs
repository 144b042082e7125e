using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using AgentRag.Agents;
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
using AgentRag.Server.Streaming;
using Microsoft.AspNetCore.Http.HttpResults;

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

    internal static JsonHttpResult<ChatModelList> ListModels(ModelCatalog models) =>
        TypedResults.Json(
            new ChatModelList("list", [.. ModelIds(models).Select(id => new ChatModel(id, "model", 0, "agentrag"))]),
            ChatCompletionJson.Responses.ChatModelList);

    internal static async Task<Results<JsonHttpResult<ChatCompletionResponse>, ServerSentEventsResult<string>, JsonHttpResult<ChatCompletionErrorResponse>>> CompleteAsync(
        TenantId tenant, HttpContext httpContext, WorkflowService workflows, ConversationService conversations, ModelCatalog models, IUsageStore usage,
        TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var (body, readError) = await ChatCompletionRequestValidator.ReadAsync(httpContext.Request.Body, cancellationToken);
        if (readError is not null)
        {
            return Error(readError);
        }

        var (request, error) = ChatCompletionRequestValidator.Validate(body!, ModelIds(models));
        if (error is not null)
        {
            return Error(error);
        }

        if (SessionHeader.Resolve(httpContext, request!.SessionId) is { Error: { } sessionError })
        {
            return Error(new(sessionError, "sessionId", "invalid_value"));
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
            return Error(new(ex.Message, param, code));
        }

        httpContext.Response.Headers["X-Workflow-Id"] = turn.WorkflowId;
        var completion = new Completion($"chatcmpl-{turn.WorkflowId}", created, request.Model, turn);
        if (request.Stream)
        {
            return ServerSentEvents.Write(StreamAsync(completion, request, tenant.Value, workflows, conversations, usage, loggers, CancellationToken.None));
        }

        // The client's token only stops the wait: the workflow goes on and can be followed by id.
        var state = await workflows.RunAsync(tenant.Value, turn.Request, workflowId: turn.WorkflowId, cancellationToken: cancellationToken);
        await conversations.CompleteTurnAsync(tenant.Value, turn.SessionId, state, CancellationToken.None);
        if (Unanswered(state) is { } failure)
        {
            return Error(failure, "server_error");
        }

        var answer = state.Answer!;
        var tokens = await AnsweredAsync(usage, tenant.Value, state, completion, loggers, cancellationToken);
        var response = new ChatCompletionResponse(
            completion.Id,
            "chat.completion",
            created,
            request.Model,
            [new ChatCompletionChoice(0, new ChatCompletionResponseMessage("assistant", WithSourcesFooter(answer.Answer, answer.Citations)), "stop")],
            Usage(tokens),
            answer.Citations,
            answer.Warnings,
            answer.Declined,
            completion.Turn.SessionId,
            completion.Turn.WorkflowId);
        return TypedResults.Json(response, ChatCompletionJson.Responses.ChatCompletionResponse);
    }

    /// <summary>What every chunk of one completion repeats.</summary>
    private sealed record Completion(string Id, long Created, string Model, ConversationTurn Turn);

    /// <summary>
    /// The completion's events: the role at once, then each <c>token</c> of the workflow as a content chunk when it is
    /// written, then the "Sources:" footer and the final chunk with the checked answer (see the class remarks), then
    /// <c>[DONE]</c>.
    /// </summary>
    private static async IAsyncEnumerable<SseItem<string>> StreamAsync(
        Completion completion, ChatRequest request, string tenantId, WorkflowService workflows, ConversationService conversations,
        IUsageStore usage, ILoggerFactory loggers, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return Data(Chunk(completion, new ChatCompletionDelta { Role = "assistant", Content = "" }, null));

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
                    var token = WorkflowEventJson.Deserialize<TokenEvent>(stored.Data);
                    var piece = relay.Add(token.StepId, token.Text ?? "");
                    if (piece.Length > 0)
                    {
                        yield return Data(Chunk(completion, new ChatCompletionDelta { Content = piece }, null));
                    }
                }
                else if (stored.Type == WorkflowEvents.TokenReset)
                {
                    var reset = WorkflowEventJson.Deserialize<TokenResetEvent>(stored.Data);
                    if (!relay.HasSent(reset.StepId))
                    {
                        continue; // nothing of that step reached the client
                    }

                    if (reset.Cause != TokenResetCause.Restart)
                    {
                        relay.Separate(); // text before tool calls stays; the answer follows in a new paragraph
                        continue;
                    }

                    // An OpenAI stream cannot take text back: end it rather than send the answer's start a second time.
                    var restarted = new ChatRequestError(
                        $"The answer restarted after part of it was sent ({reset.Reason}); the partial text is void. "
                        + $"Read the complete answer at GET /v1/queries/{completion.Turn.WorkflowId}, or ask again without streaming.",
                        null, AnswerRestartedCode);
                    yield return Data(ErrorBody(restarted, "server_error", completion.Turn.WorkflowId));
                    yield return DoneItem;
                    yield break;
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
            yield return Data(ErrorBody(failure, "server_error", completion.Turn.WorkflowId));
            yield return DoneItem;
            yield break;
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
            yield return Data(Chunk(completion, new ChatCompletionDelta { Content = tail.ToString() }, null));
        }

        var tokens = await AnsweredAsync(usage, tenantId, state, completion, loggers, cancellationToken);
        yield return Data(Chunk(completion, new ChatCompletionDelta(), finishReason) with
        {
            Answer = WithSourcesFooter(answer.Answer, answer.Citations),
            Citations = answer.Citations,
            Warnings = answer.Warnings,
            Declined = answer.Declined,
            SessionId = completion.Turn.SessionId,
            WorkflowId = completion.Turn.WorkflowId,
        });
        if (request.IncludeUsage)
        {
            yield return Data(Chunk(completion, null, null) with { Usage = Usage(tokens) });
        }

        yield return DoneItem;

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

    private static ChatCompletionUsage Usage(UsageTotals totals) => new(totals.InputTokens, totals.OutputTokens, totals.TotalTokens);

    private static ChatCompletionChunk Chunk(Completion completion, ChatCompletionDelta? delta, string? finishReason) =>
        new(completion.Id, "chat.completion.chunk", completion.Created, completion.Model, delta is null ? [] : [new ChatCompletionChunkChoice(0, delta, finishReason)]);

    /// <summary>OpenAI's error body; <paramref name="workflowId"/> (an extension) names the workflow that can still be followed.</summary>
    private static ChatCompletionErrorResponse ErrorBody(ChatRequestError error, string type = "invalid_request_error", string? workflowId = null) =>
        new(new ChatCompletionError(error.Message, type, error.Param, error.Code), workflowId);

    private static JsonHttpResult<ChatCompletionErrorResponse> Error(ChatRequestError error, string type = "invalid_request_error") =>
        TypedResults.Json(ErrorBody(error, type), ChatCompletionJson.Responses.ChatCompletionErrorResponse, statusCode: error.Status);

    /// <summary>The end of an OpenAI stream.</summary>
    private static readonly SseItem<string> DoneItem = new("[DONE]");

    private static SseItem<string> Data(ChatCompletionChunk chunk) => new(JsonSerializer.Serialize(chunk, ChatCompletionJson.Responses.ChatCompletionChunk));

    private static SseItem<string> Data(ChatCompletionErrorResponse error) => new(JsonSerializer.Serialize(error, ChatCompletionJson.Responses.ChatCompletionErrorResponse));
}
