using System.Text.Json;
using System.Text.Json.Serialization;
using AgentRag.Agents.Citations;
using AgentRag.Core.Serialization;

namespace AgentRag.Server.Apis;

/// <summary>
/// The answer of <c>POST /v1/chat/completions</c> without streaming: OpenAI's <c>chat.completion</c>, plus AgentRag's
/// extension fields (<c>citations</c>, <c>warnings</c>, <c>declined</c>, <c>session_id</c>, <c>workflow_id</c>).
/// </summary>
public sealed record ChatCompletionResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatCompletionChoice> Choices,
    [property: JsonPropertyName("usage")] ChatCompletionUsage Usage,
    [property: JsonPropertyName("citations")] IReadOnlyList<Citation> Citations,
    [property: JsonPropertyName("warnings")] IReadOnlyList<string> Warnings,
    [property: JsonPropertyName("declined")] bool Declined,
    [property: JsonPropertyName("session_id")] string SessionId,
    [property: JsonPropertyName("workflow_id")] string WorkflowId);

/// <summary>The one choice of a <see cref="ChatCompletionResponse"/>.</summary>
public sealed record ChatCompletionChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("message")] ChatCompletionResponseMessage Message,
    [property: JsonPropertyName("finish_reason")] string FinishReason);

/// <summary>The assistant's message: the answer with its "Sources:" footer.</summary>
public sealed record ChatCompletionResponseMessage(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content")] string Content);

/// <summary>The token totals of the workflow's model calls (0 for an extractive answer).</summary>
public sealed record ChatCompletionUsage(
    [property: JsonPropertyName("prompt_tokens")] long PromptTokens,
    [property: JsonPropertyName("completion_tokens")] long CompletionTokens,
    [property: JsonPropertyName("total_tokens")] long TotalTokens);

/// <summary>
/// One event of a streamed completion: OpenAI's <c>chat.completion.chunk</c>. The final chunk (with a
/// <c>finish_reason</c>) also carries the checked <c>answer</c> and the extension fields; the usage chunk
/// (<c>stream_options.include_usage</c>) has no choice and the <c>usage</c>.
/// </summary>
public sealed record ChatCompletionChunk(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatCompletionChunkChoice> Choices)
{
    [JsonPropertyName("answer"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Answer { get; init; }

    [JsonPropertyName("citations"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Citation>? Citations { get; init; }

    [JsonPropertyName("warnings"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Warnings { get; init; }

    [JsonPropertyName("declined"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Declined { get; init; }

    [JsonPropertyName("session_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SessionId { get; init; }

    [JsonPropertyName("workflow_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? WorkflowId { get; init; }

    [JsonPropertyName("usage"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ChatCompletionUsage? Usage { get; init; }
}

/// <summary>The one choice of a <see cref="ChatCompletionChunk"/>: the text added, and why the answer ended (last chunk only).</summary>
public sealed record ChatCompletionChunkChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("delta")] ChatCompletionDelta Delta,
    [property: JsonPropertyName("finish_reason")] string? FinishReason);

/// <summary>What a chunk adds: the role (first chunk), text, or nothing (the last chunk).</summary>
public sealed record ChatCompletionDelta
{
    [JsonPropertyName("role"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Role { get; init; }

    [JsonPropertyName("content"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Content { get; init; }
}

/// <summary>OpenAI's error body; <c>workflow_id</c> (an extension) names a workflow that can still be followed.</summary>
public sealed record ChatCompletionErrorResponse(
    [property: JsonPropertyName("error")] ChatCompletionError Error,
    [property: JsonPropertyName("workflow_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? WorkflowId = null);

/// <summary>OpenAI's error object: what went wrong, its type, the request field at fault (or null), and a code.</summary>
public sealed record ChatCompletionError(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string Code);

/// <summary><c>GET /v1/models</c>: the ids <c>/v1/chat/completions</c> accepts.</summary>
public sealed record ChatModelList(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("data")] IReadOnlyList<ChatModel> Data);

/// <summary>One model id of a <see cref="ChatModelList"/>.</summary>
public sealed record ChatModel(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("owned_by")] string OwnedBy);

/// <summary>
/// Source-generated JSON of the OpenAI-compatible surface. <see cref="Requests"/> reads bodies in OpenAI's
/// conventions (the names as declared, case-sensitive); <see cref="Responses"/> writes with
/// <see cref="AgentRagJson"/>'s (which shape the nested AgentRag types, e.g. citations).
/// </summary>
public static class ChatCompletionJson
{
    /// <summary>Reading <see cref="ChatCompletionRequest"/> bodies.</summary>
    public static ChatCompletionJsonContext Requests { get; } = new(new JsonSerializerOptions { PropertyNameCaseInsensitive = false, MaxDepth = 64 });

    /// <summary>Writing responses, chunks and errors.</summary>
    public static ChatCompletionJsonContext Responses { get; } = new(AgentRagJson.Apply(new JsonSerializerOptions(JsonSerializerDefaults.Web)));
}

[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(ChatCompletionResponse))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(ChatCompletionErrorResponse))]
[JsonSerializable(typeof(ChatModelList))]
public sealed partial class ChatCompletionJsonContext : JsonSerializerContext;
