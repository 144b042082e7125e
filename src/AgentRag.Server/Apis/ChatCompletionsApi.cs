using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRag.Agents.Citations;
using AgentRag.Agents.Sessions;
using AgentRag.Agents.Workflows;
using AgentRag.Core.Serialization;
using AgentRag.Models;
using AgentRag.Models.Configuration;
using AgentRag.Models.Usage;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;

namespace AgentRag.Server.Apis;

/// <summary>
/// The OpenAI-compatible surface: <c>POST /v1/chat/completions</c> (streaming and not) and <c>GET /v1/models</c>, so
/// existing OpenAI clients can ask the documents. The last message (a user message) is the question; the earlier user
/// messages are the conversation's history (else the stored history of the <c>X-Session-ID</c> session), used to resolve
/// follow-ups. <c>model</c> is <c>agentrag</c> (the router decides) or a model profile name. The answer's content ends
/// with a "Sources:" footer; the citations are also in the extension field <c>citations</c>; <c>usage</c> holds the real
/// token totals of the workflow's model calls (0 for extractive answers). Errors use OpenAI's shape
/// <c>{"error": {"message", "type", "param", "code"}}</c>.
/// </summary>
public static class ChatCompletionsApi
{
    private static readonly HashSet<string> Roles = new(StringComparer.Ordinal) { "system", "developer", "user", "assistant", "tool" };

    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1").WithTags("OpenAI-compatible").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Viewer);
        api.MapPost("/chat/completions", CompleteAsync).DisableAntiforgery();
        api.MapGet("/models", ListModels);
        return app;
    }

    /// <summary>A chat completion request, validated.</summary>
    internal sealed record ChatRequest(string Question, IReadOnlyList<string> EarlierQuestions, string Model, bool Stream, bool IncludeUsage, string? SessionId);

    /// <summary>A request that cannot run, in OpenAI's error terms.</summary>
    internal sealed record ChatRequestError(string Message, string? Param, string Code);

    internal static IResult ListModels(ModelCatalog models)
    {
        var data = new JsonArray { Model(WorkflowService.DefaultModelName) };
        foreach (var profile in models.Profiles.Where(p => p.Name != ModelProfileNames.Embedding))
        {
            data.Add(Model(profile.Name));
        }

        return TypedResults.Json(new JsonObject { ["object"] = "list", ["data"] = data });

        static JsonObject Model(string id) => new() { ["id"] = id, ["object"] = "model", ["created"] = 0, ["owned_by"] = "agentrag" };
    }

    internal static async Task CompleteAsync(
        TenantId tenant, HttpContext httpContext, WorkflowService workflows, ConversationService conversations, IUsageStore usage, TimeProvider time,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(httpContext.Request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException ex)
        {
            await WriteErrorAsync(httpContext, StatusCodes.Status400BadRequest, new($"The request body is not valid JSON: {ex.Message}", null, "invalid_json"));
            return;
        }

        ChatRequest request;
        using (document)
        {
            var parsed = Parse(document.RootElement);
            if (parsed.Error is { } error)
            {
                await WriteErrorAsync(httpContext, StatusCodes.Status400BadRequest, error);
                return;
            }

            request = parsed.Request!;
        }

        if (SessionHeader.Resolve(httpContext, request.SessionId) is { Error: { } sessionError })
        {
            await WriteErrorAsync(httpContext, StatusCodes.Status400BadRequest, new(sessionError, "sessionId", "invalid_value"));
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
            await WriteErrorAsync(httpContext, StatusCodes.Status400BadRequest, new(ex.Message, param, code));
            return;
        }

        httpContext.Response.Headers["X-Workflow-Id"] = turn.WorkflowId;
        var completionId = $"chatcmpl-{turn.WorkflowId}";
        if (request.Stream)
        {
            httpContext.Response.ContentType = "text/event-stream";
            httpContext.Response.Headers.CacheControl = "no-cache";
            await httpContext.Response.StartAsync(cancellationToken);

            // The assistant's turn starts at once; its content follows when the answer is final (see below).
            await WriteEventAsync(httpContext, Chunk(completionId, created, request.Model, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null), cancellationToken);
        }

        // The client's token only stops the wait: the workflow goes on and can be followed by id.
        var state = await workflows.RunAsync(tenant.Value, turn.Request, workflowId: turn.WorkflowId, cancellationToken: cancellationToken);
        await conversations.CompleteTurnAsync(tenant.Value, turn.SessionId, state, CancellationToken.None);
        if (state.Status != WorkflowStatus.Completed || state.Answer is null)
        {
            var failure = new ChatRequestError($"The question could not be answered ({state.Status.ToString().ToLowerInvariant()}): {state.Error}", null, "workflow_failed");
            if (request.Stream)
            {
                await WriteEventAsync(httpContext, ErrorBody(failure, "server_error"), cancellationToken);
                await WriteDoneAsync(httpContext, cancellationToken);
            }
            else
            {
                await WriteErrorAsync(httpContext, StatusCodes.Status500InternalServerError, failure, "server_error");
            }

            return;
        }

        var content = WithSourcesFooter(state.Answer.Answer, state.Answer.Citations);
        var tokens = await WorkflowTokensAsync(usage, tenant.Value, state, cancellationToken);
        loggers.CreateLogger("AgentRag.ChatCompletions").LogInformation(
            "Chat completion {CompletionId} answered in session {SessionId} ({InputTokens} input, {OutputTokens} output tokens)",
            completionId, turn.SessionId, tokens.InputTokens, tokens.OutputTokens);
        if (!request.Stream)
        {
            var body = new JsonObject
            {
                ["id"] = completionId,
                ["object"] = "chat.completion",
                ["created"] = created,
                ["model"] = request.Model,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
                    ["finish_reason"] = "stop",
                }),
                ["usage"] = Usage(tokens),
                ["citations"] = Citations(state.Answer.Citations),
                ["session_id"] = turn.SessionId,
                ["workflow_id"] = turn.WorkflowId,
            };
            await TypedResults.Json(body).ExecuteAsync(httpContext);
            return;
        }

        // The answer is streamed once the workflow has checked its citations and assessed it, so the streamed content is
        // exactly the non-streaming content: the synthesis tokens can be voided or corrected afterwards (fallback,
        // unsupported citations removed, declining), and an OpenAI stream cannot take text back.
        foreach (var piece in Pieces(content))
        {
            await WriteEventAsync(httpContext, Chunk(completionId, created, request.Model, new JsonObject { ["content"] = piece }, null), cancellationToken);
        }

        var last = Chunk(completionId, created, request.Model, new JsonObject(), "stop");
        last["citations"] = Citations(state.Answer.Citations);
        await WriteEventAsync(httpContext, last, cancellationToken);
        if (request.IncludeUsage)
        {
            var usageChunk = Chunk(completionId, created, request.Model, null, null);
            usageChunk["usage"] = Usage(tokens);
            await WriteEventAsync(httpContext, usageChunk, cancellationToken);
        }

        await WriteDoneAsync(httpContext, cancellationToken);
    }

    /// <summary>Validates an OpenAI chat completion request body; exactly one of the results is set.</summary>
    internal static (ChatRequest? Request, ChatRequestError? Error) Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, new("The request body must be a JSON object.", null, "invalid_type"));
        }

        var model = WorkflowService.DefaultModelName;
        if (root.TryGetProperty("model", out var modelElement) && modelElement.ValueKind != JsonValueKind.Null)
        {
            if (modelElement.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(modelElement.GetString()))
            {
                return (null, new("'model' must be a non-empty string: 'agentrag' or a model profile name.", "model", "invalid_type"));
            }

            model = modelElement.GetString()!.Trim();
        }

        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind == JsonValueKind.Null)
        {
            return (null, new("'messages' is required: an array of {\"role\", \"content\"} objects ending with a user message.", "messages", "missing_required_parameter"));
        }

        if (messages.ValueKind != JsonValueKind.Array)
        {
            return (null, new($"'messages' must be an array, not {Kind(messages)}.", "messages", "invalid_type"));
        }

        if (messages.GetArrayLength() == 0)
        {
            return (null, new("'messages' is empty: send at least one user message.", "messages", "empty_array"));
        }

        var users = new List<string>();
        var index = 0;
        string? lastRole = null;
        foreach (var message in messages.EnumerateArray())
        {
            var path = $"messages[{index.ToString(CultureInfo.InvariantCulture)}]";
            if (message.ValueKind != JsonValueKind.Object)
            {
                return (null, new($"'{path}' must be an object with 'role' and 'content', not {Kind(message)}.", path, "invalid_type"));
            }

            if (!message.TryGetProperty("role", out var roleElement) || roleElement.ValueKind != JsonValueKind.String)
            {
                return (null, new($"'{path}.role' is required: one of system, developer, user, assistant, tool.", $"{path}.role", "missing_required_parameter"));
            }

            var role = roleElement.GetString()!;
            if (!Roles.Contains(role))
            {
                return (null, new($"'{path}.role' is '{role}': use system, developer, user, assistant or tool.", $"{path}.role", "invalid_value"));
            }

            var (text, contentError) = ReadContent(message, path, role);
            if (contentError is not null)
            {
                return (null, contentError);
            }

            if (role == "user")
            {
                users.Add(text!);
            }

            lastRole = role;
            index++;
        }

        var lastPath = $"messages[{(index - 1).ToString(CultureInfo.InvariantCulture)}]";
        if (lastRole != "user")
        {
            return (null, new($"The last message ('{lastPath}') is from '{lastRole}': it must be the user's question.", $"{lastPath}.role", "invalid_value"));
        }

        if (string.IsNullOrWhiteSpace(users[^1]))
        {
            return (null, new($"The question ('{lastPath}.content') is empty.", $"{lastPath}.content", "invalid_value"));
        }

        var stream = false;
        if (root.TryGetProperty("stream", out var streamElement) && streamElement.ValueKind != JsonValueKind.Null)
        {
            if (streamElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return (null, new("'stream' must be true or false.", "stream", "invalid_type"));
            }

            stream = streamElement.GetBoolean();
        }

        var includeUsage = root.TryGetProperty("stream_options", out var streamOptions) && streamOptions.ValueKind == JsonValueKind.Object
            && streamOptions.TryGetProperty("include_usage", out var include) && include.ValueKind == JsonValueKind.True;
        string? sessionId = null;
        if (root.TryGetProperty("sessionId", out var session) && session.ValueKind != JsonValueKind.Null)
        {
            if (session.ValueKind != JsonValueKind.String)
            {
                return (null, new("'sessionId' must be a string.", "sessionId", "invalid_type"));
            }

            sessionId = session.GetString();
        }

        return (new ChatRequest(users[^1].Trim(), users.Take(users.Count - 1).Where(q => !string.IsNullOrWhiteSpace(q)).ToList(), model, stream, includeUsage, sessionId), null);
    }

    /// <summary>A message's text: a string, or an array of text parts (joined); null content only for an assistant's tool call.</summary>
    private static (string? Text, ChatRequestError? Error) ReadContent(JsonElement message, string path, string role)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            return role is "assistant"
                ? ("", null)
                : (null, new($"'{path}.content' is required for a {role} message.", $"{path}.content", "missing_required_parameter"));
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return (content.GetString(), null);
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return (null, new($"'{path}.content' must be a string or an array of text parts, not {Kind(content)}.", $"{path}.content", "invalid_type"));
        }

        var text = new StringBuilder();
        var part = 0;
        foreach (var element in content.EnumerateArray())
        {
            var partPath = $"{path}.content[{part.ToString(CultureInfo.InvariantCulture)}]";
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                return (null, new($"'{partPath}' must be an object with a 'type'.", partPath, "invalid_type"));
            }

            if (type.GetString() != "text" || !element.TryGetProperty("text", out var partText) || partText.ValueKind != JsonValueKind.String)
            {
                return (null, new($"'{partPath}' is a '{type.GetString()}' part: only text parts ({{\"type\": \"text\", \"text\": \"…\"}}) are supported.", partPath, "invalid_value"));
            }

            text.Append(text.Length > 0 ? "\n" : "").Append(partText.GetString());
            part++;
        }

        return (text.ToString(), null);
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

    private static JsonObject Chunk(string id, long created, string model, JsonObject? delta, string? finishReason) => new()
    {
        ["id"] = id,
        ["object"] = "chat.completion.chunk",
        ["created"] = created,
        ["model"] = model,
        ["choices"] = delta is null
            ? new JsonArray()
            : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
    };

    /// <summary>The content in word-sized pieces (each keeps its leading whitespace), as a token stream would deliver it.</summary>
    private static IEnumerable<string> Pieces(string content)
    {
        var start = 0;
        for (var i = 1; i <= content.Length; i++)
        {
            if (i == content.Length || (char.IsWhiteSpace(content[i]) && !char.IsWhiteSpace(content[i - 1])))
            {
                yield return content[start..i];
                start = i;
            }
        }
    }

    private static JsonObject ErrorBody(ChatRequestError error, string type = "invalid_request_error") => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = error.Message,
            ["type"] = type,
            ["param"] = error.Param,
            ["code"] = error.Code,
        },
    };

    private static Task WriteErrorAsync(HttpContext httpContext, int status, ChatRequestError error, string type = "invalid_request_error") =>
        TypedResults.Json(ErrorBody(error, type), statusCode: status).ExecuteAsync(httpContext);

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

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
