namespace AgentRag.TestKit.OpenAi;

/// <summary>Token counts a scripted response reports (OpenAI's <c>usage</c> object).</summary>
public sealed record ScriptedUsage(int PromptTokens, int CompletionTokens, int CachedTokens = 0)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}

/// <summary>A scripted tool (function) call in a chat response.</summary>
public sealed record ScriptedToolCall(string Name, string ArgumentsJson, string? Id = null);

/// <summary>What kind of answer a <see cref="ScriptedResponse"/> gives.</summary>
public enum ScriptedResponseKind
{
    /// <summary>A normal answer: text or tool calls (chat), or vectors (embeddings); streamed when the request asks.</summary>
    Reply,

    /// <summary>An HTTP error with OpenAI's error body, optionally with <c>Retry-After</c>.</summary>
    Error,

    /// <summary>A body (or, streaming, a chunk after the first) that is not valid JSON.</summary>
    Malformed,

    /// <summary>A well-formed answer with no text and no tool call.</summary>
    Empty,

    /// <summary>Streams the first <see cref="ScriptedResponse.ChunksBeforeAbort"/> text chunks, then ends without a finish reason or <c>[DONE]</c>.</summary>
    AbortMidStream,
}

/// <summary>
/// One scripted answer of <see cref="OpenAiTestServer"/>. Build with the static factories; the same script answers a
/// streaming or a non-streaming request in the matching wire format. <see cref="Held"/> makes the server wait for
/// <see cref="Release"/> before answering; <see cref="HeldUntil"/> makes it wait at a <see cref="RequestBarrier"/>.
/// </summary>
public sealed class ScriptedResponse
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _received = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ScriptedResponse(ScriptedResponseKind kind) => Kind = kind;

    public ScriptedResponseKind Kind { get; private init; }

    /// <summary>Reply text; null for the server's default (an echo of the last user message).</summary>
    public string? Text { get; private init; }

    public IReadOnlyList<ScriptedToolCall> ToolCalls { get; private init; } = [];

    /// <summary>Usage to report; null computes it from the request and reply (about 4 characters per token).</summary>
    public ScriptedUsage? Usage { get; private init; }

    /// <summary>False to omit <c>usage</c> altogether (a provider that reports none).</summary>
    public bool IncludeUsage { get; private init; } = true;

    public int StatusCode { get; private init; } = 200;

    public string? ErrorMessage { get; private init; }

    /// <summary>The raw <c>Retry-After</c> header value to send, e.g. "7".</summary>
    public string? RetryAfter { get; private init; }

    public int ChunksBeforeAbort { get; private init; }

    /// <summary>True when the server waits for <see cref="Release"/> before answering.</summary>
    public bool IsHeld { get; private init; }

    /// <summary>The barrier the server waits at before answering (a 504 if it gives up), if any.</summary>
    public RequestBarrier? Barrier { get; private init; }

    /// <summary>When set, a streamed answer stops after this many text chunks until <see cref="Release"/> (a model that writes slowly).</summary>
    public int? PauseAfterChunks { get; private init; }

    /// <summary>Completes when a <see cref="PausedAfter"/> stream has sent (and flushed) its first chunks and waits for <see cref="Release"/>.</summary>
    public Task Paused => _paused.Task;

    /// <summary>Completes when the server has received the request this script answers.</summary>
    public Task Received => _received.Task;

    internal Task ReleasedTask => _released.Task;

    public static ScriptedResponse Reply(string? text = null, ScriptedUsage? usage = null) =>
        new(ScriptedResponseKind.Reply) { Text = text, Usage = usage };

    /// <summary>A reply without a <c>usage</c> object.</summary>
    public static ScriptedResponse ReplyWithoutUsage(string text) =>
        new(ScriptedResponseKind.Reply) { Text = text, IncludeUsage = false };

    public static ScriptedResponse ToolCall(params ScriptedToolCall[] calls) =>
        new(ScriptedResponseKind.Reply) { ToolCalls = calls };

    public static ScriptedResponse Error(int statusCode, string? message = null, string? retryAfter = null) =>
        new(ScriptedResponseKind.Error) { StatusCode = statusCode, ErrorMessage = message, RetryAfter = retryAfter };

    public static ScriptedResponse Malformed() => new(ScriptedResponseKind.Malformed);

    public static ScriptedResponse Empty() => new(ScriptedResponseKind.Empty);

    public static ScriptedResponse AbortMidStream(string text, int chunksBeforeAbort) =>
        new(ScriptedResponseKind.AbortMidStream) { Text = text, ChunksBeforeAbort = chunksBeforeAbort };

    /// <summary>A copy of <paramref name="response"/> that the server holds until <see cref="Release"/> is called.</summary>
    public static ScriptedResponse Held(ScriptedResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return Copy(response, isHeld: true, response.Barrier);
    }

    /// <summary>
    /// A copy of <paramref name="response"/> that the server holds until <paramref name="barrier"/> opens (enough requests
    /// wait there together), or answers with a 504 when the barrier's timeout passes first.
    /// </summary>
    public static ScriptedResponse HeldUntil(RequestBarrier barrier, ScriptedResponse response)
    {
        ArgumentNullException.ThrowIfNull(barrier);
        ArgumentNullException.ThrowIfNull(response);
        return Copy(response, response.IsHeld, barrier);
    }

    /// <summary>
    /// A copy of <paramref name="response"/> that, when streamed, sends its first <paramref name="chunks"/> text chunks and then
    /// waits for <see cref="Release"/> before the rest (<see cref="Paused"/> completes when it starts waiting): a model
    /// still writing its answer, without a clock.
    /// </summary>
    public static ScriptedResponse PausedAfter(int chunks, ScriptedResponse response)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chunks);
        ArgumentNullException.ThrowIfNull(response);
        return Copy(response, response.IsHeld, response.Barrier, chunks);
    }

    private static ScriptedResponse Copy(ScriptedResponse response, bool isHeld, RequestBarrier? barrier, int? pauseAfterChunks = null) => new(response.Kind)
    {
        Text = response.Text,
        ToolCalls = response.ToolCalls,
        Usage = response.Usage,
        IncludeUsage = response.IncludeUsage,
        StatusCode = response.StatusCode,
        ErrorMessage = response.ErrorMessage,
        RetryAfter = response.RetryAfter,
        ChunksBeforeAbort = response.ChunksBeforeAbort,
        IsHeld = isHeld,
        Barrier = barrier,
        PauseAfterChunks = pauseAfterChunks ?? response.PauseAfterChunks,
    };

    /// <summary>Lets a held request be answered.</summary>
    public void Release() => _released.TrySetResult();

    internal void MarkReceived() => _received.TrySetResult();

    internal void MarkPaused() => _paused.TrySetResult();
}
