using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.Agents;
using AgentRag.Core.Documents;
using AgentRag.Ingestion.Pipeline;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Server.Tests;

/// <summary>
/// <c>/openapi/v1.json</c> describes what the server really takes: the tenant header, the upload's multipart
/// <c>files</c>, the JSON request bodies. A client generated from it (openapi-typescript + openapi-fetch, in
/// <c>tests/openapi-client</c>, installed by <c>./test.sh</c>) calls every route of a running server, and
/// <c>@redocly/cli lint</c> finds no error in it, and decodes every event type the document names by its schema from a
/// server whose workflows used a scripted chat model on a manual clock.
/// </summary>
public sealed class OpenApiDocumentTests
{
    private static readonly string ClientFolder = NodeScript.Folder("openapi-client");

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

    [Fact]
    public async Task GeneratedClient_CallsEveryRouteOfARunningServer()
    {
        using var factory = new AgentRagServerFactory();
        var url = factory.StartOnKestrel();
        using var http = new HttpClient { BaseAddress = url };
        await GenerateClientAsync(http);
        var run = await NodeAsync(new Dictionary<string, string> { ["AGENTRAG_URL"] = url.ToString().TrimEnd('/'), ["AGENTRAG_CORPUS"] = SharedPaths.Corpus }, "out/client.test.js");

        run.ShouldContain("every operation of the document was called");
    }

    [Fact]
    public async Task GeneratedClient_DecodesEveryEventTypeOfTheDocumentByItsSchema()
    {
        const string Tenant = "openapi-events";
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var model = await OpenAiTestServer.StartAsync();
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var factory = new AgentRagServerFactory(new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = model.BaseUrl.ToString(),
            ["AGENTRAG_CHAT_MODEL"] = "primary-model",
            ["AGENTRAG_FALLBACK_MODEL"] = "fallback-model",
            ["AgentRag:Models:Resilience:MaxRetries"] = "0",
            ["AgentRag:Agents:UseModelPlanner"] = "false",
            [$"AgentRag:Approvals:Tenants:{Tenant}:Timeout"] = "01:00:00",
            [$"AgentRag:Approvals:Tenants:{Tenant}:TimeoutPolicy"] = "Escalate",
            [$"AgentRag:Approvals:Tenants:{Tenant}:EscalationInterval"] = "00:30:00",
        }, time: time);
        var url = factory.StartOnKestrel();
        using var http = new HttpClient { BaseAddress = url };
        http.DefaultRequestHeaders.Add("X-Tenant-ID", Tenant);
        await IngestAsync(factory.Services, Tenant, "nodejs-url.md");
        var workflows = new List<string>();

        // The primary model breaks off mid-answer and the fallback model answers: token, step.progress (the fallback's
        // warning) and token.reset (the primary's words are void).
        model.Chat.Enqueue(ScriptedResponse.AbortMidStream(UrlAnswer, chunksBeforeAbort: 3), model: "primary-model");
        model.Chat.Enqueue(ScriptedResponse.Reply(UrlAnswer), model: "fallback-model");
        using (var answered = await http.PostAsJsonAsync("/v1/queries", new { query = UrlQuestion, mode = "model" }))
        {
            answered.StatusCode.ShouldBe(HttpStatusCode.OK, await answered.Content.ReadAsStringAsync());
            workflows.Add((await answered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("workflowId").GetString()!);
        }

        // The model stops writing and synthesis times out: step.failed, and the extractive fallback voids the words sent.
        var slow = model.Chat.Enqueue(ScriptedResponse.PausedAfter(2, ScriptedResponse.Reply(UrlAnswer)), model: "primary-model");
        using (var stream = await PostStreamingQueryAsync(http, new { query = UrlQuestion, mode = "model" }))
        {
            await using var events = SseClient.ReadEventsAsync(stream, timeout.Token).GetAsyncEnumerator();
            await NextAsync(events, "token");
            time.Advance(TimeSpan.FromMilliseconds(new AgentsOptions().SynthesisTimeoutMs + 1));
            (await NextAsync(events, "done", "error")).Type.ShouldBe("done");
            workflows.Add(stream.Headers.GetValues("X-Workflow-Id").Single());
        }

        slow.Release();

        // An answer waiting for approval: warned before it expires, escalated when nobody decides, then approved.
        using (var stream = await PostStreamingQueryAsync(http, new { query = UrlQuestion, mode = "extractive", approval = "before_answer" }))
        {
            await using var events = SseClient.ReadEventsAsync(stream, timeout.Token).GetAsyncEnumerator();
            var required = await NextAsync(events, "approval.required");
            time.Advance(TimeSpan.FromMinutes(48));
            await NextAsync(events, "approval.expiring");
            time.Advance(TimeSpan.FromMinutes(12));
            await NextAsync(events, "approval.escalated");
            var approvalId = JsonDocument.Parse(required.Data).RootElement.GetProperty("approvalId").GetString();
            using var approved = await http.PostAsync($"/v1/approvals/{approvalId}/approve", null);
            approved.StatusCode.ShouldBe(HttpStatusCode.OK, await approved.Content.ReadAsStringAsync());
            (await NextAsync(events, "done", "error")).Type.ShouldBe("done");
            workflows.Add(stream.Headers.GetValues("X-Workflow-Id").Single());
        }

        // An answer waiting for approval, cancelled: its stream ends with error.
        using (var stream = await PostStreamingQueryAsync(http, new { query = UrlQuestion, mode = "extractive", approval = "before_answer" }))
        {
            await using var events = SseClient.ReadEventsAsync(stream, timeout.Token).GetAsyncEnumerator();
            await NextAsync(events, "approval.required");
            var workflowId = stream.Headers.GetValues("X-Workflow-Id").Single();
            using var cancelled = await http.DeleteAsync($"/v1/queries/{workflowId}");
            cancelled.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await NextAsync(events, "done", "error")).Type.ShouldBe("error");
            workflows.Add(workflowId);
        }

        await GenerateClientAsync(http);
        var run = await NodeAsync(new Dictionary<string, string>
        {
            ["AGENTRAG_URL"] = url.ToString().TrimEnd('/'),
            ["AGENTRAG_CORPUS"] = SharedPaths.Corpus,
            ["AGENTRAG_TENANT"] = Tenant,
            ["AGENTRAG_WORKFLOWS"] = string.Join(',', workflows),
        }, "out/events.test.js");

        run.ShouldContain("every event type of the document decoded by its schema");
    }

    private const string UrlQuestion = "What does url.parse() return?";
    private const string UrlAnswer = "url.parse() takes a URL string, parses it, and returns a URL object [1].";

    private static async Task IngestAsync(IServiceProvider services, string tenant, string file)
    {
        var ingestion = services.GetRequiredService<DocumentIngestionService>();
        var submitted = await ingestion.SubmitFileAsync(tenant, SharedPaths.CorpusFile(file));
        var document = await ingestion.ProcessAsync(tenant, submitted.Document.Id);
        document!.Status.ShouldBe(DocumentStatus.Ready, document.Error);
    }

    private static async Task<HttpResponseMessage> PostStreamingQueryAsync(HttpClient http, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/queries") { Content = JsonContent.Create(body) };
        request.Headers.Accept.ParseAdd("text/event-stream");
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return response;
    }

    /// <summary>The next event of one of <paramref name="types"/>; fails when the stream ends first.</summary>
    private static async Task<SseEvent> NextAsync(IAsyncEnumerator<SseEvent> events, params string[] types)
    {
        while (await events.MoveNextAsync())
        {
            if (types.Contains(events.Current.Type))
            {
                return events.Current;
            }
        }

        throw new InvalidOperationException($"The stream ended without {string.Join(" or ", types)}.");
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

    /// <summary>Generates the client's types from the server's document and compiles the scripts against them.</summary>
    private static async Task GenerateClientAsync(HttpClient http)
    {
        var generated = Path.Combine(ClientFolder, "generated");
        Directory.CreateDirectory(generated);
        await File.WriteAllTextAsync(Path.Combine(generated, "openapi.json"), await http.GetStringAsync("/openapi/v1.json"));
        await NodeAsync("node_modules/openapi-typescript/bin/cli.js", "generated/openapi.json", "--output", "generated/schema.d.ts");
        await NodeAsync("node_modules/typescript/bin/tsc", "--project", "tsconfig.json");
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
