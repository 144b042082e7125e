using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace AgentRag.TestKit.Rerank;

/// <summary>A request the rerank server received.</summary>
public sealed record RerankRequest(string Path, string Body, string? Authorization)
{
    public JsonNode? Json => JsonNode.Parse(Body);
}

/// <summary>How the rerank server answers the next request.</summary>
public enum RerankScriptKind
{
    /// <summary>An HTTP error (optionally with <c>Retry-After</c>).</summary>
    Error,

    /// <summary>A body that is not JSON.</summary>
    Malformed,

    /// <summary>Valid JSON that leaves the last document without a score.</summary>
    MissingResult,

    /// <summary>A normal answer in TEI's bare-array shape <c>[{"index","score"}]</c>.</summary>
    TeiShape,
}

/// <summary>One scripted answer of <see cref="RerankTestServer"/>.</summary>
public sealed record RerankScript(RerankScriptKind Kind, int StatusCode = 200, string? RetryAfter = null)
{
    public static RerankScript Error(int statusCode, string? retryAfter = null) => new(RerankScriptKind.Error, statusCode, retryAfter);
}

/// <summary>
/// A loopback HTTP server (Kestrel on 127.0.0.1, a free port) speaking the common rerank API of TEI, Jina, Cohere and
/// vLLM: <c>POST /v1/rerank</c> with <c>{model, query, documents, top_n}</c>, answered with
/// <c>{"model", "results": [{"index", "relevance_score"}], "usage": {"total_tokens"}}</c>, best first. Its relevance is
/// deterministic and real enough to test ordering: the share of the query's distinct words (letters and digits,
/// lower-cased) that occur in the document. Scripts (<see cref="Enqueue"/>) make the next requests fail or misbehave.
/// Thread-safe.
/// </summary>
public sealed class RerankTestServer : IAsyncDisposable
{
    private readonly LoopbackHttpServer _http;
    private readonly ConcurrentQueue<RerankScript> _scripts = new();
    private readonly ConcurrentQueue<RerankRequest> _requests = new();

    private RerankTestServer(LoopbackHttpServer http, Uri baseUrl)
    {
        _http = http;
        BaseUrl = baseUrl;
    }

    /// <summary>The API base, e.g. <c>http://127.0.0.1:41234/v1</c> (a rerank profile's endpoint).</summary>
    public Uri BaseUrl { get; }

    /// <summary>When set, requests must carry <c>Authorization: Bearer &lt;key&gt;</c> or get 401.</summary>
    public string? RequiredApiKey { get; set; }

    public IReadOnlyList<RerankRequest> Requests => [.. _requests];

    public static async Task<RerankTestServer> StartAsync()
    {
        RerankTestServer? server = null;
        var http = await LoopbackHttpServer.StartAsync(context => server!.HandleAsync(context));
        server = new RerankTestServer(http, new Uri(http.Address, "v1"));
        return server;
    }

    /// <summary>Makes the next request (after those already scripted) answer as <paramref name="script"/> says.</summary>
    public void Enqueue(RerankScript script) => _scripts.Enqueue(script);

    /// <summary>The server's relevance of <paramref name="document"/> to <paramref name="query"/>, in [0, 1].</summary>
    public static double Relevance(string query, string document)
    {
        var queryWords = Words(query);
        if (queryWords.Count == 0)
        {
            return 0;
        }

        var documentWords = Words(document);
        return (double)queryWords.Count(documentWords.Contains) / queryWords.Count;
    }

    public async ValueTask DisposeAsync()
    {
        await _http.DisposeAsync();
    }

    private static HashSet<string> Words(string text)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        var current = new StringBuilder();
        foreach (var c in text + " ")
        {
            if (char.IsLetterOrDigit(c))
            {
                current.Append(char.ToLowerInvariant(c));
            }
            else if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }

        return words;
    }

    private async Task HandleAsync(HttpContext context)
    {
        string body;
        using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(context.RequestAborted);
        }

        _requests.Enqueue(new RerankRequest(context.Request.Path.Value ?? "", body, context.Request.Headers.Authorization.FirstOrDefault()));
        if (context.Request.Method != "POST" || context.Request.Path.Value != "/v1/rerank")
        {
            await WriteAsync(context, 404, new JsonObject { ["error"] = $"Unknown route {context.Request.Method} {context.Request.Path}." });
            return;
        }

        if (RequiredApiKey is not null && context.Request.Headers.Authorization.FirstOrDefault() != "Bearer " + RequiredApiKey)
        {
            await WriteAsync(context, 401, new JsonObject { ["error"] = "invalid api key" });
            return;
        }

        JsonNode? json;
        try
        {
            json = JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException)
        {
            json = null;
        }

        var query = json?["query"]?.GetValue<string>();
        var documents = json?["documents"] as JsonArray;
        if (query is null || documents is null)
        {
            await WriteAsync(context, 400, new JsonObject { ["error"] = "'query' (string) and 'documents' (array) are required." });
            return;
        }

        _scripts.TryDequeue(out var script);
        switch (script?.Kind)
        {
            case RerankScriptKind.Error:
                if (script.RetryAfter is not null)
                {
                    context.Response.Headers["Retry-After"] = script.RetryAfter;
                }

                await WriteAsync(context, script.StatusCode, new JsonObject { ["error"] = $"Scripted error {script.StatusCode}." });
                return;
            case RerankScriptKind.Malformed:
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"results\": [ {\"index\": 0, ");
                return;
        }

        var texts = documents.Select(d => d?.GetValue<string>() ?? "").ToList();
        var scored = texts.Select((text, i) => (Index: i, Score: Relevance(query, text)))
            .OrderByDescending(s => s.Score).ThenBy(s => s.Index).ToList();
        var topN = json?["top_n"]?.GetValue<int>() ?? scored.Count;
        scored = scored.Take(topN).ToList();
        if (script?.Kind == RerankScriptKind.MissingResult)
        {
            scored = scored.Where(s => s.Index != texts.Count - 1).ToList();
        }

        if (script?.Kind == RerankScriptKind.TeiShape)
        {
            await WriteAsync(context, 200, new JsonArray([.. scored.Select(s => (JsonNode)new JsonObject { ["index"] = s.Index, ["score"] = s.Score })]));
            return;
        }

        var tokens = (query.Length + texts.Sum(t => t.Length)) / 4;
        await WriteAsync(context, 200, new JsonObject
        {
            ["model"] = json?["model"]?.GetValue<string>(),
            ["results"] = new JsonArray([.. scored.Select(s => (JsonNode)new JsonObject { ["index"] = s.Index, ["relevance_score"] = s.Score })]),
            ["usage"] = new JsonObject { ["total_tokens"] = tokens },
        });
    }

    private static async Task WriteAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }
}
