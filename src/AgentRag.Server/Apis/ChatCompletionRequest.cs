using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using AgentRag.Agents.Workflows;

namespace AgentRag.Server.Apis;

/// <summary>
/// The body of <c>POST /v1/chat/completions</c>: every request field OpenAI documents, plus AgentRag's <c>sessionId</c>.
/// Fields are accepted as OpenAI types them; <see cref="ChatCompletionRequestValidator"/> refuses the values the endpoint
/// cannot honour (more than one choice, log probabilities, tools, non-text output), and the sampling and length settings
/// (<c>temperature</c>, <c>top_p</c>, penalties, <c>seed</c>, <c>max_tokens</c>, <c>stop</c>, <c>logit_bias</c>…) are
/// range-checked and then left to the product's own prompts. A member OpenAI does not document is refused, as OpenAI
/// refuses it.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ChatCompletionRequest
{
    /// <summary><c>agentrag</c> (the router decides) or a chat model profile name, as <c>GET /v1/models</c> lists them; <c>agentrag</c> when absent.</summary>
    [JsonPropertyName("model")] public string? Model { get; init; }

    /// <summary>The conversation: the last message is the user's question; earlier user messages are its history.</summary>
    [JsonPropertyName("messages")] public IReadOnlyList<ChatCompletionMessage?>? Messages { get; init; }

    [JsonPropertyName("stream")] public bool? Stream { get; init; }

    [JsonPropertyName("stream_options")] public ChatCompletionStreamOptions? StreamOptions { get; init; }

    /// <summary>Choices to generate: only 1.</summary>
    [JsonPropertyName("n")] public int? N { get; init; }

    [JsonPropertyName("temperature")] public double? Temperature { get; init; }

    [JsonPropertyName("top_p")] public double? TopP { get; init; }

    [JsonPropertyName("presence_penalty")] public double? PresencePenalty { get; init; }

    [JsonPropertyName("frequency_penalty")] public double? FrequencyPenalty { get; init; }

    [JsonPropertyName("seed")] public long? Seed { get; init; }

    [JsonPropertyName("max_tokens")] public int? MaxTokens { get; init; }

    [JsonPropertyName("max_completion_tokens")] public int? MaxCompletionTokens { get; init; }

    [JsonPropertyName("logit_bias")] public IReadOnlyDictionary<string, double>? LogitBias { get; init; }

    /// <summary>Token log probabilities: not available (false only).</summary>
    [JsonPropertyName("logprobs")] public bool? Logprobs { get; init; }

    [JsonPropertyName("top_logprobs")] public int? TopLogprobs { get; init; }

    /// <summary>Only <c>{"type": "text"}</c>.</summary>
    [JsonPropertyName("response_format")] public ChatCompletionResponseFormat? ResponseFormat { get; init; }

    /// <summary>Client-side tools: none (the product's own tools run on the server).</summary>
    [JsonPropertyName("tools")] public IReadOnlyList<JsonElement>? Tools { get; init; }

    /// <summary><c>none</c> or <c>auto</c>.</summary>
    [JsonPropertyName("tool_choice")] public JsonElement? ToolChoice { get; init; }

    [JsonPropertyName("parallel_tool_calls")] public bool? ParallelToolCalls { get; init; }

    /// <summary>Deprecated form of <see cref="Tools"/>: none.</summary>
    [JsonPropertyName("functions")] public IReadOnlyList<JsonElement>? Functions { get; init; }

    /// <summary>Deprecated form of <see cref="ToolChoice"/>: <c>none</c> or <c>auto</c>.</summary>
    [JsonPropertyName("function_call")] public JsonElement? FunctionCall { get; init; }

    /// <summary>A string or up to 4 strings.</summary>
    [JsonPropertyName("stop")] public JsonElement? Stop { get; init; }

    [JsonPropertyName("user")] public string? User { get; init; }

    [JsonPropertyName("metadata")] public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    [JsonPropertyName("store")] public bool? Store { get; init; }

    [JsonPropertyName("service_tier")] public string? ServiceTier { get; init; }

    /// <summary>Only <c>["text"]</c>.</summary>
    [JsonPropertyName("modalities")] public IReadOnlyList<string>? Modalities { get; init; }

    /// <summary>Audio output: not available.</summary>
    [JsonPropertyName("audio")] public JsonElement? Audio { get; init; }

    [JsonPropertyName("prediction")] public JsonElement? Prediction { get; init; }

    [JsonPropertyName("reasoning_effort")] public string? ReasoningEffort { get; init; }

    [JsonPropertyName("verbosity")] public string? Verbosity { get; init; }

    /// <summary>Web search: not available.</summary>
    [JsonPropertyName("web_search_options")] public JsonElement? WebSearchOptions { get; init; }

    [JsonPropertyName("prompt_cache_key")] public string? PromptCacheKey { get; init; }

    /// <summary><c>in-memory</c> or <c>24h</c>: accepted and ignored (the product caches model calls its own way).</summary>
    [JsonPropertyName("prompt_cache_retention")] public string? PromptCacheRetention { get; init; }

    [JsonPropertyName("safety_identifier")] public string? SafetyIdentifier { get; init; }

    /// <summary>AgentRag: the conversation to continue (else the <c>X-Session-ID</c> header; a new one when neither).</summary>
    [JsonPropertyName("sessionId")] public string? SessionId { get; init; }
}

/// <summary>One message of a <see cref="ChatCompletionRequest"/>; <c>content</c> is a string or an array of text parts.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ChatCompletionMessage
{
    /// <summary><c>system</c>, <c>developer</c>, <c>user</c>, <c>assistant</c>, <c>tool</c> or <c>function</c>.</summary>
    [JsonPropertyName("role")] public string? Role { get; init; }

    [JsonPropertyName("content")] public JsonElement? Content { get; init; }

    [JsonPropertyName("name")] public string? Name { get; init; }

    [JsonPropertyName("tool_calls")] public JsonElement? ToolCalls { get; init; }

    [JsonPropertyName("tool_call_id")] public string? ToolCallId { get; init; }

    [JsonPropertyName("function_call")] public JsonElement? FunctionCall { get; init; }

    [JsonPropertyName("refusal")] public string? Refusal { get; init; }

    [JsonPropertyName("audio")] public JsonElement? Audio { get; init; }
}

/// <summary><c>stream_options</c>: <c>include_usage</c> adds a last chunk with the token usage.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ChatCompletionStreamOptions
{
    [JsonPropertyName("include_usage")] public bool? IncludeUsage { get; init; }

    [JsonPropertyName("include_obfuscation")] public bool? IncludeObfuscation { get; init; }
}

/// <summary><c>response_format</c>: <c>text</c> only.</summary>
public sealed record ChatCompletionResponseFormat
{
    [JsonPropertyName("type")] public string? Type { get; init; }

    [JsonPropertyName("json_schema")] public JsonElement? JsonSchema { get; init; }
}

/// <summary>A chat completion request, validated: what the workflow needs from it.</summary>
internal sealed record ChatRequest(string Question, IReadOnlyList<string> EarlierQuestions, string Model, bool Stream, bool IncludeUsage, string? SessionId);

/// <summary>A request that cannot run, in OpenAI's error terms (<c>{"error": {"message", "type", "param", "code"}}</c>) with its HTTP status.</summary>
internal sealed record ChatRequestError(string Message, string? Param, string Code, int Status = StatusCodes.Status400BadRequest);

/// <summary>Reads and validates <see cref="ChatCompletionRequest"/> bodies. Thread-safe.</summary>
internal static partial class ChatCompletionRequestValidator
{
    private static readonly HashSet<string> Roles = new(StringComparer.Ordinal) { "system", "developer", "user", "assistant", "tool", "function" };

    /// <summary>Reads the body; exactly one of the results is set.</summary>
    public static async Task<(ChatCompletionRequest? Body, ChatRequestError? Error)> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        try
        {
            // OpenAI's conventions, not the product's: snake_case names as declared, case-sensitive, no numbers in strings.
            var request = await JsonSerializer.DeserializeAsync(body, ChatCompletionJson.Requests.ChatCompletionRequest, cancellationToken);
            return request is null ? (null, new("The request body must be a JSON object, not null.", null, "invalid_type")) : (request, null);
        }
        catch (JsonException ex)
        {
            return (null, Describe(ex));
        }
    }

    /// <summary>Validates <paramref name="body"/> against the model ids <c>GET /v1/models</c> lists; exactly one of the results is set.</summary>
    public static (ChatRequest? Request, ChatRequestError? Error) Validate(ChatCompletionRequest body, IReadOnlyCollection<string> models)
    {
        ArgumentNullException.ThrowIfNull(body);
        var model = body.Model?.Trim() ?? WorkflowService.DefaultModelName;
        if (model.Length == 0)
        {
            return Fail($"'model' is empty: use one of {string.Join(", ", models)} (GET /v1/models).", "model", "invalid_value");
        }

        if (!models.Contains(model, StringComparer.Ordinal))
        {
            return (null, new($"The model '{model}' does not exist: use one of {string.Join(", ", models)} (GET /v1/models).", "model", "model_not_found",
                StatusCodes.Status404NotFound));
        }

        if (OptionsError(body) is { } optionsError)
        {
            return (null, optionsError);
        }

        if (body.Messages is null)
        {
            return Fail("'messages' is required: an array of {\"role\", \"content\"} objects ending with a user message.", "messages", "missing_required_parameter");
        }

        if (body.Messages.Count == 0)
        {
            return Fail("'messages' is empty: send at least one user message.", "messages", "empty_array");
        }

        var users = new List<string>();
        string? lastRole = null;
        for (var index = 0; index < body.Messages.Count; index++)
        {
            var path = $"messages[{index.ToString(CultureInfo.InvariantCulture)}]";
            if (body.Messages[index] is not { } message)
            {
                return Fail($"'{path}' must be an object with 'role' and 'content', not null.", path, "invalid_type");
            }

            if (message.Role is not { } role)
            {
                return Fail($"'{path}.role' is required: one of system, developer, user, assistant, tool.", $"{path}.role", "missing_required_parameter");
            }

            if (!Roles.Contains(role))
            {
                return Fail($"'{path}.role' is '{role}': use system, developer, user, assistant or tool.", $"{path}.role", "invalid_value");
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
        }

        var lastPath = $"messages[{(body.Messages.Count - 1).ToString(CultureInfo.InvariantCulture)}]";
        if (lastRole != "user")
        {
            return Fail($"The last message ('{lastPath}') is from '{lastRole}': it must be the user's question.", $"{lastPath}.role", "invalid_value");
        }

        if (string.IsNullOrWhiteSpace(users[^1]))
        {
            return Fail($"The question ('{lastPath}.content') is empty.", $"{lastPath}.content", "invalid_value");
        }

        var stream = body.Stream ?? false;
        return (new ChatRequest(
            users[^1].Trim(),
            [.. users.Take(users.Count - 1).Where(q => !string.IsNullOrWhiteSpace(q))],
            model,
            stream,
            stream && body.StreamOptions?.IncludeUsage == true,
            body.SessionId), null);
    }

    /// <summary>The first option whose value the endpoint refuses, or null.</summary>
    private static ChatRequestError? OptionsError(ChatCompletionRequest body)
    {
        if (body.N is { } n && n != 1)
        {
            return n < 1
                ? new($"'n' is {n}: it must be at least 1.", "n", "invalid_value")
                : new($"'n' is {n}: this endpoint returns one answer per request (n = 1). Send the request again for another answer.", "n", "unsupported_value");
        }

        if ((Outside(body.Temperature, 0, 2, "temperature") ?? Outside(body.TopP, 0, 1, "top_p")
            ?? Outside(body.PresencePenalty, -2, 2, "presence_penalty") ?? Outside(body.FrequencyPenalty, -2, 2, "frequency_penalty")) is { } range)
        {
            return range;
        }

        if (body.MaxTokens is < 1 || body.MaxCompletionTokens is < 1)
        {
            var param = body.MaxTokens is < 1 ? "max_tokens" : "max_completion_tokens";
            return new($"'{param}' must be at least 1.", param, "invalid_value");
        }

        if (body.LogitBias?.FirstOrDefault(p => p.Value is < -100 or > 100) is { Key: { } biased } bias)
        {
            return new($"'logit_bias' for token '{biased}' is {bias.Value.ToString(CultureInfo.InvariantCulture)}: use -100 to 100.", "logit_bias", "invalid_value");
        }

        if (body.Logprobs == true || body.TopLogprobs is > 0)
        {
            var param = body.Logprobs == true ? "logprobs" : "top_logprobs";
            return new($"'{param}': token log probabilities are not available; answers are composed by a workflow (and may be extractive).", param, "unsupported_value");
        }

        if (body.TopLogprobs is < 0)
        {
            return new("'top_logprobs' must be between 0 and 20.", "top_logprobs", "invalid_value");
        }

        if (body.ResponseFormat is { } format && format.Type != "text")
        {
            return new($"'response_format.type' is '{format.Type}': only 'text' is supported; answers are cited prose.", "response_format", "unsupported_value");
        }

        if (body.Tools is { Count: > 0 } || body.Functions is { Count: > 0 })
        {
            var param = body.Tools is { Count: > 0 } ? "tools" : "functions";
            return new($"'{param}': client-side tools are not supported; this endpoint never returns tool calls (the server's own tools run inside the workflow). Send an empty list or leave it out.",
                param, "unsupported_value");
        }

        if ((ToolChoiceError(body.ToolChoice, "tool_choice") ?? ToolChoiceError(body.FunctionCall, "function_call")) is { } choice)
        {
            return choice;
        }

        if (body.Stop is { } stop && StopError(stop) is { } stopError)
        {
            return new(stopError, "stop", stop.ValueKind is JsonValueKind.String or JsonValueKind.Array ? "invalid_value" : "invalid_type");
        }

        if (body.Modalities?.FirstOrDefault(m => m != "text") is { } modality)
        {
            return new($"'modalities' includes '{modality}': only text output is supported.", "modalities", "unsupported_value");
        }

        if (body.Audio is { ValueKind: not JsonValueKind.Null })
        {
            return new("'audio': audio output is not supported.", "audio", "unsupported_value");
        }

        if (body.WebSearchOptions is { ValueKind: not JsonValueKind.Null })
        {
            return new("'web_search_options': web search is not supported; answers come from the ingested documents.", "web_search_options", "unsupported_value");
        }

        return body.Metadata is { Count: > 16 }
            ? new($"'metadata' has {body.Metadata.Count} keys; the limit is 16.", "metadata", "invalid_value")
            : null;
    }

    private static ChatRequestError? Outside(double? value, double min, double max, string param) =>
        value is { } v && (v < min || v > max || double.IsNaN(v))
            ? new($"'{param}' is {v.ToString(CultureInfo.InvariantCulture)}: use {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.", param, "invalid_value")
            : null;

    private static ChatRequestError? ToolChoiceError(JsonElement? choice, string param) => choice switch
    {
        null or { ValueKind: JsonValueKind.Null } => null,
        { ValueKind: JsonValueKind.String } s when s.GetString() is "none" or "auto" => null,
        { ValueKind: JsonValueKind.String } s when s.GetString() is "required" =>
            new($"'{param}' is 'required': client-side tools are not supported; use 'none' or 'auto'.", param, "unsupported_value"),
        { ValueKind: JsonValueKind.Object } =>
            new($"'{param}' names a function: client-side tools are not supported; use 'none' or 'auto'.", param, "unsupported_value"),
        { ValueKind: JsonValueKind.String } s => new($"'{param}' is '{s.GetString()}': use 'none' or 'auto'.", param, "invalid_value"),
        { } other => new($"'{param}' must be a string or an object, not {Kind(other)}.", param, "invalid_type"),
    };

    private static string? StopError(JsonElement stop) => stop.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.String => null,
        JsonValueKind.Array when stop.GetArrayLength() > 4 => $"'stop' has {stop.GetArrayLength()} sequences; the limit is 4.",
        JsonValueKind.Array when stop.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String) => "'stop' must be a string or an array of strings.",
        JsonValueKind.Array => null,
        _ => $"'stop' must be a string or an array of strings, not {Kind(stop)}.",
    };

    /// <summary>A message's text: a string, or an array of text parts (joined); null content only for an assistant's tool call.</summary>
    private static (string? Text, ChatRequestError? Error) ReadContent(ChatCompletionMessage message, string path, string role)
    {
        if (message.Content is not { ValueKind: not JsonValueKind.Null } content)
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

    /// <summary>A deserialization failure in OpenAI's terms: an unknown member, a value of the wrong type, or malformed JSON.</summary>
    private static ChatRequestError Describe(JsonException ex)
    {
        var param = ParamOf(ex.Path);
        if (UnmappedMember().Match(ex.Message) is { Success: true } unmapped)
        {
            var name = param ?? unmapped.Groups[1].Value; // the path ends with the unknown member
            return new($"Unrecognized request argument supplied: '{name}'.", name, "unknown_parameter");
        }

        if (ex.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) && param is not null)
        {
            return new($"'{param}' has the wrong type: {OpenAiType(ex.Message)}", param, "invalid_type");
        }

        if (ex.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            return new("The request body must be a JSON object.", null, "invalid_type");
        }

        var where = ex.LineNumber is { } line ? $" at line {line + 1}, byte {ex.BytePositionInLine + 1}" : "";
        return new($"The request body is not valid JSON{where}: {JsonBody.FirstSentence(ex.Message)}", null, "invalid_json");
    }

    /// <summary><c>$.messages[0].role</c> → <c>messages[0].role</c>; null for the root.</summary>
    private static string? ParamOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? null : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    /// <summary>The expected type named in OpenAI's words (the .NET type name means nothing to a client).</summary>
    private static string OpenAiType(string message) => message switch
    {
        _ when message.Contains("System.String", StringComparison.Ordinal) => "expected a string.",
        _ when message.Contains("System.Boolean", StringComparison.Ordinal) => "expected a boolean.",
        _ when message.Contains("System.Int", StringComparison.Ordinal) => "expected an integer.",
        _ when message.Contains("System.Double", StringComparison.Ordinal) => "expected a number.",
        _ when message.Contains("IReadOnlyList", StringComparison.Ordinal) => "expected an array.",
        _ => "expected an object.",
    };

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static (ChatRequest?, ChatRequestError?) Fail(string message, string param, string code) => (null, new(message, param, code));

    [GeneratedRegex("^The JSON property '(.+?)' could not be mapped")]
    private static partial Regex UnmappedMember();
}
