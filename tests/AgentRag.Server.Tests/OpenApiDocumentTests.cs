using System.Text.Json;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;

namespace AgentRag.Server.Tests;

/// <summary>
/// <c>/openapi/v1.json</c> describes what the server really takes: the tenant header, the upload's multipart
/// <c>files</c>, the JSON request bodies. A client generated from it (openapi-typescript + openapi-fetch, in
/// <c>tests/openapi-client</c>, installed by <c>./test.sh</c>) calls every route of a running server, and
/// <c>@redocly/cli lint</c> finds no error in it.
/// </summary>
public sealed class OpenApiDocumentTests
{
    private static readonly string ClientFolder = NodeScript.Folder("openapi-client");
    private const string CitedAnswer = "The 'beforeExit' event is emitted when Node.js empties its event loop and has no additional work to schedule [1].";

    [Fact]
    public async Task Document_EveryV1Operation_DeclaresTheTenantHeader()
    {
        var document = await FetchDocumentAsync();

        var operations = Operations(document).Where(o => o.Path.StartsWith("/v1/", StringComparison.Ordinal)).ToList();
        operations.Count.ShouldBeGreaterThanOrEqualTo(29);
        operations.Select(o => o.Path).ShouldContain("/v1/chat/completions");
        foreach (var (path, method, operation) in operations)
        {
            operation.TryGetProperty("parameters", out var parameters).ShouldBeTrue($"{method} {path} has no parameters");
            parameters.EnumerateArray().ShouldContain(
                p => p.GetProperty("name").GetString() == "X-Tenant-ID" && p.GetProperty("in").GetString() == "header",
                $"{method} {path} does not declare the X-Tenant-ID header");
        }
    }

    [Fact]
    public async Task Document_Upload_DeclaresMultipartFilesAsAnArrayOfBinary()
    {
        var document = await FetchDocumentAsync();

        var body = document.GetProperty("paths").GetProperty("/v1/documents").GetProperty("post").GetProperty("requestBody");
        var schema = body.GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema");
        schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()).ShouldBe(["files"]);
        var files = schema.GetProperty("properties").GetProperty("files");
        files.GetProperty("type").GetString().ShouldBe("array");
        files.GetProperty("items").GetProperty("format").GetString().ShouldBe("binary");
    }

    [Theory]
    [InlineData("/v1/search", "post")]
    [InlineData("/v1/queries", "post")]
    [InlineData("/v1/queries/{id}/feedback", "post")]
    [InlineData("/v1/approvals/{id}/approve", "post")]
    [InlineData("/v1/approvals/{id}/modify", "post")]
    [InlineData("/v1/queries/{id}/share", "post")]
    [InlineData("/v1/tenant/branding", "put")]
    public async Task Document_JsonBodies_DeclaredWithTheirSchema(string path, string method)
    {
        var document = await FetchDocumentAsync();

        var content = document.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("requestBody").GetProperty("content");
        content.GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString()!.ShouldStartWith("#/components/schemas/");
    }

    [Theory]
    [InlineData("/v1/queries/{id}/events", "get", "plan,step.started,step.progress,token,token.reset,step.completed,step.failed,citations,usage,done,error,approval.required,approval.resolved,approval.expiring,approval.escalated")]
    [InlineData("/v1/queries", "post", "plan,done,error")]
    [InlineData("/v1/approvals/events", "get", "approval.required,approval.resolved,approval.expiring,approval.escalated")]
    [InlineData("/v1/documents/{id}/events", "get", "progress,ready,failed")]
    [InlineData("/v1/chat/completions", "post", "message")]
    [InlineData("/v1/admin/metrics/stream", "get", "snapshot")]
    public async Task Document_EventStreams_NameTheSchemaOfEveryEvent(string path, string method, string events)
    {
        var document = await FetchDocumentAsync();

        var operation = document.GetProperty("paths").GetProperty(path).GetProperty(method);
        var named = operation.GetProperty("x-sse-events");
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var type in events.Split(','))
        {
            named.TryGetProperty(type, out var reference).ShouldBeTrue($"{method} {path} does not name the schema of '{type}'");
            var name = reference.GetProperty("$ref").GetString()!.Replace("#/components/schemas/", "", StringComparison.Ordinal);
            schemas.TryGetProperty(name, out var schema).ShouldBeTrue($"'{type}' refers to {name}, which is not in components.schemas");
            schema.GetProperty("properties").EnumerateObject().ShouldNotBeEmpty();
        }

        operation.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/event-stream", out _).ShouldBeTrue();
    }

    /// <summary>
    /// The client also receives every event type the document names for each stream, and decodes it by its schema.
    /// The chat model is the loopback OpenAI server: the one <c>model</c>-mode query's synthesis fails on the primary
    /// model (a fallback warning), then the fallback model streams two chunks and stalls past the synthesis timeout
    /// (<c>step.failed</c>; the extractive fallback's <c>token.reset</c>). Embeddings come from it too (the document's
    /// <c>embedding</c> events). The <c>openapi-deadline</c> tenant's approvals time out after a second and escalate.
    /// All on the real clock: the waits are the second-long timeouts, not sleeps.
    /// </summary>
    [Fact]
    public async Task GeneratedClient_CallsEveryRouteOfARunningServer()
    {
        await using var model = await OpenAiTestServer.StartAsync();
        model.EmbeddingDimensions = 256;
        model.EmbeddingFunction = OpenAiTestServer.WordOverlapVectorFor; // hybrid search still ranks the passage that answers first
        model.Chat.Enqueue(ScriptedResponse.Error(503, "primary model down"), model: "primary-model");
        model.Chat.Enqueue(ScriptedResponse.PausedAfter(2, ScriptedResponse.Reply(CitedAnswer)), model: "fallback-model");
        model.Chat.Enqueue(2, () => ScriptedResponse.Reply(CitedAnswer), model: "primary-model"); // /v1/chat/completions, then streamed
        using var factory = new AgentRagServerFactory(new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = model.BaseUrl.ToString(),
            ["AGENTRAG_CHAT_MODEL"] = "primary-model",
            ["AGENTRAG_FALLBACK_MODEL"] = "fallback-model",
            ["AGENTRAG_EMBEDDING_MODEL"] = "embedding-model",
            [EmbeddingTestSettings.ProviderKey] = "openai",
            ["AgentRag:Models:Resilience:MaxRetries"] = "0",
            ["AgentRag:Agents:UseModelPlanner"] = "false",
            ["AgentRag:Agents:SynthesisTimeoutMs"] = "2000",
            ["AgentRag:Approvals:Tenants:openapi-deadline:Timeout"] = "00:00:01",
            ["AgentRag:Approvals:Tenants:openapi-deadline:TimeoutPolicy"] = "Escalate",
            ["AgentRag:Approvals:Tenants:openapi-deadline:EscalationInterval"] = "00:10:00",
        });
        var url = factory.StartOnKestrel();
        using var http = new HttpClient { BaseAddress = url };
        var generated = Path.Combine(ClientFolder, "generated");
        Directory.CreateDirectory(generated);
        await File.WriteAllTextAsync(Path.Combine(generated, "openapi.json"), await http.GetStringAsync("/openapi/v1.json"));

        await NodeAsync("node_modules/openapi-typescript/bin/cli.js", "generated/openapi.json", "--output", "generated/schema.d.ts");
        await NodeAsync("node_modules/typescript/bin/tsc", "--project", "tsconfig.json");
        var run = await NodeAsync(new Dictionary<string, string> { ["AGENTRAG_URL"] = url.ToString().TrimEnd('/'), ["AGENTRAG_CORPUS"] = SharedPaths.Corpus }, "out/client.test.js");

        run.ShouldContain("every operation of the document was called");
        model.Chat.Pending.ShouldBe(0); // every script was used: the model query's two, the chat completions' two
    }

    [Fact]
    public async Task Document_RedoclyLint_NoErrors()
    {
        var file = Path.Combine(Path.GetTempPath(), $"agentrag-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(await FetchDocumentAsync()));
        try
        {
            await NodeAsync("node_modules/@redocly/cli/bin/cli.js", "lint", "--config", "redocly.yaml", file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<JsonElement> FetchDocumentAsync()
    {
        using var factory = new AgentRagServerFactory();
        var text = await factory.CreateClient().GetStringAsync("/openapi/v1.json");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject().SelectMany(path =>
            path.Value.EnumerateObject().Where(m => m.Name is "get" or "post" or "put" or "patch" or "delete").Select(m => (path.Name, m.Name, m.Value)));

    private static Task<string> NodeAsync(params string[] arguments) => NodeAsync(new Dictionary<string, string>(), arguments);

    /// <summary>Runs node in <c>tests/openapi-client</c>; fails with its output unless it exits 0.</summary>
    private static Task<string> NodeAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        NodeScript.RunAsync(ClientFolder, environment, arguments);
}
