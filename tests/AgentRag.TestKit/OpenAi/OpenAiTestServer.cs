using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace AgentRag.TestKit.OpenAi;

/// <summary>One request the server received.</summary>
/// <param name="Sequence">1-based arrival order.</param>
/// <param name="Route"><c>chat</c>, <c>embeddings</c>, <c>models</c> or <c>unknown</c>.</param>
/// <param name="Body">The raw request body.</param>
/// <param name="Stream">The request asked for a stream.</param>
/// <param name="IncludeUsage">The request sent <c>stream_options.include_usage: true</c>.</param>
/// <param name="Authorization">The <c>Authorization</c> header, if any.</param>
/// <param name="ApiKeyHeader">The <c>api-key</c> header (Azure style), if any.</param>
/// <param name="ReceivedAt">When it arrived, on <see cref="OpenAiTestServer.Clock"/>.</param>
public sealed record RecordedRequest(
    int Sequence, string Route, string Path, string? Model, string Body, bool Stream, bool IncludeUsage, string? Authorization,
    string? ApiKeyHeader, DateTimeOffset ReceivedAt)
{
    public JsonNode? Json => string.IsNullOrEmpty(Body) ? null : JsonNode.Parse(Body);
}

/// <summary>
/// A loopback HTTP server (Kestrel on 127.0.0.1, a free port) that speaks the OpenAI protocol: <c>POST /v1/chat/completions</c>
/// (JSON or SSE streaming with the <c>stream_options.include_usage</c> usage chunk, tool calls), <c>POST /v1/embeddings</c>
/// and <c>GET /v1/models</c>. Tests script answers per route and model (<see cref="Chat"/>, <see cref="Embeddings"/>):
/// errors with <c>Retry-After</c>, held requests (until released, or until enough wait together at a
/// <see cref="RequestBarrier"/>), streams paused part-way (<see cref="ScriptedResponse.PausedAfter"/>), malformed chunks, empty answers, missing usage, broken streams. With no script queued it
/// answers normally. It logs every request and totals the tokens it reported as served. Thread-safe.
/// </summary>
public sealed class OpenAiTestServer : IAsyncDisposable
{
    private readonly LoopbackHttpServer _http;
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private readonly CancellationTokenSource _stopping = new();
    private long _servedPrompt;
    private long _servedCompletion;
    private long _servedCached;
    private int _completionIds;

    private OpenAiTestServer(LoopbackHttpServer http, Uri baseUrl)
    {
        _http = http;
        BaseUrl = baseUrl;
    }

    /// <summary>The API base, e.g. <c>http://127.0.0.1:41234/v1</c> (what <c>OPENAI_BASE_URL</c> would hold).</summary>
    public Uri BaseUrl { get; }

    /// <summary>Scripts for <c>/v1/chat/completions</c>.</summary>
    public ScriptQueue Chat { get; } = new();

    /// <summary>Scripts for <c>/v1/embeddings</c>.</summary>
    public ScriptQueue Embeddings { get; } = new();

    /// <summary>When set, requests must carry this key (Bearer or <c>api-key</c>) or get 401.</summary>
    public string? RequiredApiKey { get; set; }

    /// <summary>When not empty, other model ids get 404 <c>model_not_found</c>.</summary>
    public ISet<string> KnownModels { get; } = new ConcurrentHashSet();

    /// <summary>Dimensions of default embeddings.</summary>
    public int EmbeddingDimensions { get; set; } = 8;

    /// <summary>
    /// Makes the vector of a text, of the given size, for answers with no scripted vectors: <see cref="VectorFor"/> (a
    /// hash: no two texts alike) unless set, e.g. to <see cref="WordOverlapVectorFor"/> for vectors whose similarity
    /// follows shared words, so a search that fuses them with BM25 still ranks the passage that matches first.
    /// </summary>
    public Func<string, int, float[]> EmbeddingFunction { get; set; } = VectorFor;

    /// <summary>Stamps <see cref="RecordedRequest.ReceivedAt"/>; set a fake clock to see the client's retry delays.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return _requests.ToList();
            }
        }
    }

    /// <summary>Prompt tokens reported in <c>usage</c> objects actually sent (chat and embeddings).</summary>
    public long ServedPromptTokens => Interlocked.Read(ref _servedPrompt);

    public long ServedCompletionTokens => Interlocked.Read(ref _servedCompletion);

    public long ServedCachedTokens => Interlocked.Read(ref _servedCached);

    public static async Task<OpenAiTestServer> StartAsync()
    {
        OpenAiTestServer? server = null;
        var http = await LoopbackHttpServer.StartAsync(context => server!.HandleAsync(context));
        server = new OpenAiTestServer(http, new Uri(http.Address, "v1"));
        return server;
    }

    /// <summary>Requests received on <paramref name="route"/> (optionally for one model).</summary>
    public int Count(string route, string? model = null) =>
        Requests.Count(r => r.Route == route && (model is null || r.Model == model));

    /// <summary>Completes when at least <paramref name="count"/> requests (any route) have arrived.</summary>
    public Task WaitForRequestsAsync(int count, CancellationToken cancellationToken = default)
    {
        lock (_requests)
        {
            if (_requests.Count >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task.WaitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Chat.ReleaseAll();
        Embeddings.ReleaseAll();
        await _stopping.CancelAsync(); // ends waits at barriers
        await _http.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var route = (context.Request.Method, path) switch
        {
            ("POST", "/v1/chat/completions") => "chat",
            ("POST", "/v1/embeddings") => "embeddings",
            ("GET", "/v1/models") => "models",
            _ => "unknown",
        };
        string body;
        using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(context.RequestAborted);
        }

        JsonNode? json = null;
        try
        {
            json = body.Length > 0 ? JsonNode.Parse(body) : null;
        }
        catch (JsonException)
        {
            // Logged as-is; answered with 400 below.
        }

        var model = json?["model"]?.GetValue<string>();
        var stream = json?["stream"]?.GetValue<bool>() ?? false;
        var includeUsage = json?["stream_options"]?["include_usage"]?.GetValue<bool>() ?? false;
        Record(new RecordedRequest(0, route, path, model, body, stream, includeUsage,
            context.Request.Headers.Authorization.FirstOrDefault(), context.Request.Headers["api-key"].FirstOrDefault(), Clock.GetUtcNow()));

        if (route == "unknown")
        {
            await WriteErrorAsync(context, 404, $"Unknown route {context.Request.Method} {path}.", "not_found");
            return;
        }

        if (RequiredApiKey is not null
            && context.Request.Headers.Authorization.FirstOrDefault() != "Bearer " + RequiredApiKey
            && context.Request.Headers["api-key"].FirstOrDefault() != RequiredApiKey)
        {
            await WriteErrorAsync(context, 401, "Incorrect API key provided.", "invalid_api_key");
            return;
        }

        if (route == "models")
        {
            var ids = KnownModels.Count > 0 ? KnownModels.ToArray() : ["test-model"];
            await WriteJsonAsync(context, new JsonObject
            {
                ["object"] = "list",
                ["data"] = new JsonArray(ids.Select(id => (JsonNode)new JsonObject { ["id"] = id, ["object"] = "model", ["owned_by"] = "test" }).ToArray()),
            });
            return;
        }

        if (json is null || model is null)
        {
            await WriteErrorAsync(context, 400, "The request body must be JSON with a 'model'.", "invalid_request_error");
            return;
        }

        if (KnownModels.Count > 0 && !KnownModels.Contains(model))
        {
            await WriteErrorAsync(context, 404, $"The model '{model}' does not exist or you do not have access to it.", "model_not_found");
            return;
        }

        var script = (route == "chat" ? Chat : Embeddings).Next(model) ?? ScriptedResponse.Reply();
        script.MarkReceived();
        if (script.Barrier is { } barrier)
        {
            bool opened;
            try
            {
                using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
                opened = await barrier.WaitAsync(Clock, stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return; // The client gave up, or the server is stopping.
            }

            if (!opened)
            {
                await WriteErrorAsync(context, 504,
                    $"Held at a barrier for {barrier.Timeout.TotalSeconds:0.###} s, but fewer than {barrier.Participants} requests were waiting together.",
                    "barrier_timeout");
                return;
            }
        }

        if (script.IsHeld)
        {
            try
            {
                await script.ReleasedTask.WaitAsync(context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // The client gave up (e.g. its timeout fired).
            }
        }

        if (script.Kind == ScriptedResponseKind.Error)
        {
            if (script.RetryAfter is not null)
            {
                context.Response.Headers["Retry-After"] = script.RetryAfter;
            }

            await WriteErrorAsync(context, script.StatusCode, script.ErrorMessage ?? $"Scripted error {script.StatusCode}.",
                script.StatusCode == 429 ? "rate_limit_exceeded" : "server_error");
            return;
        }

        if (route == "embeddings")
        {
            await AnswerEmbeddingsAsync(context, json, model, script);
        }
        else if (stream)
        {
            await StreamChatAsync(context, json, model, script, includeUsage);
        }
        else
        {
            await AnswerChatAsync(context, json, model, script);
        }
    }

    private async Task AnswerChatAsync(HttpContext context, JsonNode request, string model, ScriptedResponse script)
    {
        if (script.Kind == ScriptedResponseKind.Malformed)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"id\": \"chatcmpl-x\", \"choices\": [ {\"message\": ");
            return;
        }

        var text = script.Kind == ScriptedResponseKind.Empty ? "" : ReplyText(request, script);
        var message = new JsonObject { ["role"] = "assistant", ["content"] = script.ToolCalls.Count > 0 ? null : text };
        if (script.ToolCalls.Count > 0)
        {
            message["tool_calls"] = new JsonArray(script.ToolCalls.Select((call, i) => (JsonNode)new JsonObject
            {
                ["id"] = call.Id ?? $"call_{i + 1}",
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.ArgumentsJson },
            }).ToArray());
        }

        var response = new JsonObject
        {
            ["id"] = NextCompletionId(),
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = message,
                ["finish_reason"] = script.ToolCalls.Count > 0 ? "tool_calls" : "stop",
            }),
        };
        if (script.IncludeUsage)
        {
            response["usage"] = UsageJson(Served(script.Usage ?? ComputeUsage(request, text + string.Concat(script.ToolCalls.Select(c => c.ArgumentsJson)))));
        }

        await WriteJsonAsync(context, response);
    }

    private async Task StreamChatAsync(HttpContext context, JsonNode request, string model, ScriptedResponse script, bool includeUsage)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var id = NextCompletionId();
        JsonObject Chunk(JsonObject delta, string? finish = null) => new()
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = 1_700_000_000,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
        };

        await WriteEventAsync(context, Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }).ToJsonString());
        if (script.Kind == ScriptedResponseKind.Malformed)
        {
            await WriteEventAsync(context, Chunk(new JsonObject { ["content"] = "Partial " }).ToJsonString());
            await WriteEventAsync(context, "{\"id\": \"" + id + "\", \"choices\": [ {\"delta\": {\"content\": \"bro");
            await WriteEventAsync(context, "[DONE]");
            return;
        }

        var text = script.Kind == ScriptedResponseKind.Empty ? "" : ReplyText(request, script);
        var pieces = SplitIntoChunks(text);
        if (script.Kind == ScriptedResponseKind.AbortMidStream)
        {
            foreach (var piece in pieces.Take(script.ChunksBeforeAbort))
            {
                await WriteEventAsync(context, Chunk(new JsonObject { ["content"] = piece }).ToJsonString());
            }

            // End the response here: no finish_reason and no [DONE], as a client sees a dropped connection. (Aborting the
            // socket instead can discard the chunks above before they are sent.)
            await context.Response.CompleteAsync();
            return;
        }

        for (var i = 0; i < pieces.Count; i++)
        {
            if (i == script.PauseAfterChunks)
            {
                script.MarkPaused();
                try
                {
                    await script.ReleasedTask.WaitAsync(context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return; // The client gave up mid-answer.
                }
            }

            await WriteEventAsync(context, Chunk(new JsonObject { ["content"] = pieces[i] }).ToJsonString());
        }

        for (var i = 0; i < script.ToolCalls.Count; i++)
        {
            var call = script.ToolCalls[i];
            await WriteEventAsync(context, Chunk(new JsonObject
            {
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["index"] = i,
                    ["id"] = call.Id ?? $"call_{i + 1}",
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = "" },
                }),
            }).ToJsonString());
            // Arguments arrive in fragments, as real providers send them.
            for (var start = 0; start < call.ArgumentsJson.Length; start += 5)
            {
                var fragment = call.ArgumentsJson.Substring(start, Math.Min(5, call.ArgumentsJson.Length - start));
                await WriteEventAsync(context, Chunk(new JsonObject
                {
                    ["tool_calls"] = new JsonArray(new JsonObject { ["index"] = i, ["function"] = new JsonObject { ["arguments"] = fragment } }),
                }).ToJsonString());
            }
        }

        await WriteEventAsync(context, Chunk(new JsonObject(), script.ToolCalls.Count > 0 ? "tool_calls" : "stop").ToJsonString());
        if (includeUsage && script.IncludeUsage)
        {
            var usage = Served(script.Usage ?? ComputeUsage(request, text + string.Concat(script.ToolCalls.Select(c => c.ArgumentsJson))));
            await WriteEventAsync(context, new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion.chunk",
                ["created"] = 1_700_000_000,
                ["model"] = model,
                ["choices"] = new JsonArray(),
                ["usage"] = UsageJson(usage),
            }.ToJsonString());
        }

        await WriteEventAsync(context, "[DONE]");
    }

    private async Task AnswerEmbeddingsAsync(HttpContext context, JsonNode request, string model, ScriptedResponse script)
    {
        if (script.Kind == ScriptedResponseKind.Malformed)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"object\": \"list\", \"data\": [ {\"embedding\": [0.1, ");
            return;
        }

        var inputs = request["input"] switch
        {
            JsonArray array => array.Select(n => n?.GetValue<string>() ?? "").ToList(),
            JsonValue value => [value.GetValue<string>()],
            _ => [],
        };
        var dimensions = request["dimensions"]?.GetValue<int>() ?? EmbeddingDimensions;
        var data = script.Kind == ScriptedResponseKind.Empty
            ? new JsonArray()
            : new JsonArray(inputs.Select((text, i) => (JsonNode)new JsonObject
            {
                ["object"] = "embedding",
                ["index"] = i,
                ["embedding"] = new JsonArray(EmbeddingFunction(text, dimensions).Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()),
            }).ToArray());
        var response = new JsonObject { ["object"] = "list", ["data"] = data, ["model"] = model };
        if (script.IncludeUsage)
        {
            var tokens = inputs.Sum(EstimateTokens);
            var usage = Served(script.Usage ?? new ScriptedUsage(tokens, 0));
            response["usage"] = new JsonObject { ["prompt_tokens"] = usage.PromptTokens, ["total_tokens"] = usage.PromptTokens };
        }

        await WriteJsonAsync(context, response);
    }

    /// <summary>The deterministic unit vector the server returns for <paramref name="text"/>.</summary>
    public static float[] VectorFor(string text, int dimensions)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        var vector = new float[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            vector[i] = (hash[i % hash.Length] - 127.5f) / 127.5f;
        }

        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        for (var i = 0; i < dimensions; i++)
        {
            vector[i] = norm > 0 ? vector[i] / norm : 0;
        }

        return vector;
    }

    /// <summary>
    /// A unit vector whose cosine similarity with another text's grows with the words (lowercase letters and digits) the
    /// two share: each word adds 1 to the dimension its SHA-256 picks.
    /// </summary>
    public static float[] WordOverlapVectorFor(string text, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(text);
        var vector = new float[dimensions];
        foreach (var word in System.Text.RegularExpressions.Regex.Matches(text.ToLowerInvariant(), "[a-z0-9]+").Select(m => m.Value))
        {
            vector[BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(word)), 0) % dimensions] += 1;
        }

        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        for (var i = 0; i < dimensions; i++)
        {
            vector[i] = norm > 0 ? vector[i] / norm : 0;
        }

        return vector;
    }

    /// <summary>The token count the server computes for a text when no usage is scripted: ⌈characters / 4⌉.</summary>
    public static int EstimateTokens(string text) => (text.Length + 3) / 4;

    private static string ReplyText(JsonNode request, ScriptedResponse script)
    {
        if (script.ToolCalls.Count > 0)
        {
            return "";
        }

        if (script.Text is not null)
        {
            return script.Text;
        }

        var lastUser = request["messages"]?.AsArray().LastOrDefault(m => m?["role"]?.GetValue<string>() == "user");
        var content = lastUser?["content"] switch
        {
            JsonValue value => value.GetValue<string>(),
            JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>() ?? "")),
            _ => "",
        };
        return "Echo: " + (content.Length > 60 ? content[..60] : content);
    }

    private static ScriptedUsage ComputeUsage(JsonNode request, string reply)
    {
        var prompt = 0;
        foreach (var message in request["messages"]?.AsArray() ?? [])
        {
            prompt += 4 + EstimateTokens(message?["content"]?.ToJsonString() ?? "");
        }

        return new ScriptedUsage(prompt, Math.Max(1, EstimateTokens(reply)));
    }

    private ScriptedUsage Served(ScriptedUsage usage)
    {
        Interlocked.Add(ref _servedPrompt, usage.PromptTokens);
        Interlocked.Add(ref _servedCompletion, usage.CompletionTokens);
        Interlocked.Add(ref _servedCached, usage.CachedTokens);
        return usage;
    }

    private static JsonObject UsageJson(ScriptedUsage usage) => new()
    {
        ["prompt_tokens"] = usage.PromptTokens,
        ["completion_tokens"] = usage.CompletionTokens,
        ["total_tokens"] = usage.TotalTokens,
        ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = usage.CachedTokens },
    };

    private static List<string> SplitIntoChunks(string text)
    {
        var pieces = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == ' ' || i == text.Length - 1)
            {
                pieces.Add(text[start..(i + 1)]);
                start = i + 1;
            }
        }

        return pieces;
    }

    private string NextCompletionId() => "chatcmpl-" + Interlocked.Increment(ref _completionIds).ToString(CultureInfo.InvariantCulture);

    private static async Task WriteEventAsync(HttpContext context, string data)
    {
        await context.Response.WriteAsync("data: " + data + "\n\n");
        await context.Response.Body.FlushAsync();
    }

    private static async Task WriteJsonAsync(HttpContext context, JsonNode body)
    {
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private static async Task WriteErrorAsync(HttpContext context, int status, string message, string code)
    {
        context.Response.StatusCode = status;
        await WriteJsonAsync(context, new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = status >= 500 ? "server_error" : "invalid_request_error", ["code"] = code },
        });
    }

    private void Record(RecordedRequest request)
    {
        lock (_requests)
        {
            _requests.Add(request with { Sequence = _requests.Count + 1 });
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_requests.Count >= _waiters[i].Count)
                {
                    _waiters[i].Signal.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>A thread-safe set of strings.</summary>
    private sealed class ConcurrentHashSet : ISet<string>
    {
        private readonly ConcurrentDictionary<string, byte> _items = new(StringComparer.Ordinal);

        public int Count => _items.Count;

        public bool IsReadOnly => false;

        public bool Add(string item) => _items.TryAdd(item, 0);

        void ICollection<string>.Add(string item) => Add(item);

        public void Clear() => _items.Clear();

        public bool Contains(string item) => _items.ContainsKey(item);

        public void CopyTo(string[] array, int arrayIndex) => _items.Keys.CopyTo(array, arrayIndex);

        public bool Remove(string item) => _items.TryRemove(item, out _);

        public IEnumerator<string> GetEnumerator() => _items.Keys.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public void ExceptWith(IEnumerable<string> other) => throw new NotSupportedException();

        public void IntersectWith(IEnumerable<string> other) => throw new NotSupportedException();

        public bool IsProperSubsetOf(IEnumerable<string> other) => throw new NotSupportedException();

        public bool IsProperSupersetOf(IEnumerable<string> other) => throw new NotSupportedException();

        public bool IsSubsetOf(IEnumerable<string> other) => throw new NotSupportedException();

        public bool IsSupersetOf(IEnumerable<string> other) => throw new NotSupportedException();

        public bool Overlaps(IEnumerable<string> other) => throw new NotSupportedException();

        public bool SetEquals(IEnumerable<string> other) => throw new NotSupportedException();

        public void SymmetricExceptWith(IEnumerable<string> other) => throw new NotSupportedException();

        public void UnionWith(IEnumerable<string> other)
        {
            foreach (var item in other)
            {
                Add(item);
            }
        }
    }
}
