using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentRag.Mcp.Tools;
using AgentRag.Retrieval.Search;
using Microsoft.Extensions.DependencyInjection;
using static AgentRag.Mcp.Tests.ToolResults;

namespace AgentRag.Mcp.Tests;

/// <summary>The HTTP side of <c>/mcp</c>: what a stateless streamable-HTTP endpoint answers, and the pluggable <c>ask</c> tool.</summary>
public sealed class McpHttpEndpointTests(McpCorpus corpus) : IClassFixture<McpCorpus>
{
    private const string InitializeBody = """
        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}
        """;

    [Fact]
    public async Task Post_Initialize_StreamsTheResultAsServerSentEventsWithoutASession()
    {
        using var http = corpus.Http.CreateClient();

        using var response = await http.SendAsync(Post(InitializeBody));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        response.Headers.Contains("Mcp-Session-Id").ShouldBeFalse();
        var body = await response.Content.ReadAsStringAsync();
        var data = body.Split('\n').Single(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..];
        var result = JsonDocument.Parse(data).RootElement.GetProperty("result");
        result.GetProperty("serverInfo").GetProperty("name").GetString().ShouldBe("agentrag");
        result.GetProperty("capabilities").TryGetProperty("tools", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Post_Notification_Is202WithNoBody()
    {
        using var http = corpus.Http.CreateClient();

        using var response = await http.SendAsync(Post("""{"jsonrpc":"2.0","method":"notifications/initialized"}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await response.Content.ReadAsStringAsync()).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("DELETE")]
    public async Task GetOrDelete_StatelessServer_405AllowingPost(string method)
    {
        using var http = corpus.Http.CreateClient();

        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/mcp"));

        response.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        response.Content.Headers.Allow.ShouldBe(["POST"]);
        (await response.Content.ReadAsStringAsync()).ShouldContain("stateless");
    }

    [Fact]
    public async Task Post_AcceptsOnlyJson_406()
    {
        using var http = corpus.Http.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(InitializeBody, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var response = await http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.NotAcceptable);
        (await response.Content.ReadAsStringAsync()).ShouldContain("text/event-stream");
    }

    [Fact]
    public async Task Post_MalformedJson_400ParseError()
    {
        using var http = corpus.Http.CreateClient();

        using var response = await http.SendAsync(Post("""{"jsonrpc":"2.0","id":1,"method":"""));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        error.GetProperty("code").GetInt32().ShouldBe(-32700);
        error.GetProperty("message").GetString()!.ShouldStartWith("Parse error");
    }

    [Fact]
    public async Task Post_MalformedTenant_400ProblemBeforeAnyMcp()
    {
        using var http = corpus.Http.CreateClient();
        var request = Post(InitializeBody);
        request.Headers.Add("X-Tenant-ID", "../etc");

        using var response = await http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("X-Tenant-ID");
    }

    [Fact]
    public async Task Ask_WhenAWorkflowIsRegistered_IsOfferedAndReturnsTheAnswerWithCitations()
    {
        using var data = corpus.CopyData();
        using var server = new McpCorpus.ServerFactory(data.Path, services => services.AddSingleton<IAskService, SearchBackedAskService>());
        await using var client = await McpCorpus.ConnectHttpAsync(server);

        var tools = await client.ListToolsAsync();
        var answer = (await client.CallToolAsync("ask", Args(("question", "How do I import data from a spreadsheet?")))).Json();

        var ask = tools.Single(t => t.Name == "ask");
        ask.JsonSchema.GetProperty("required").EnumerateArray().Select(r => r.GetString()).ShouldBe(["question"]);
        answer.GetProperty("answer").GetString()!.ShouldContain("[1]");
        var citation = answer.GetProperty("citations")[0];
        citation.GetProperty("number").GetInt32().ShouldBe(1);
        citation.GetProperty("documentName").GetString().ShouldBe("R-data.pdf");
        citation.GetProperty("pages").GetArrayLength().ShouldBeGreaterThan(0);
        citation.GetProperty("uri").GetString()!.ShouldStartWith($"agentrag://documents/{corpus.DocumentIds["R-data.pdf"]}/chunks/");
        answer.GetProperty("extractive").GetBoolean().ShouldBeTrue();

        var empty = await client.CallToolAsync("ask", Args(("question", "   ")));
        empty.IsError.ShouldBe(true);
        empty.Text().ShouldContain("'question' is required");
    }

    private static HttpRequestMessage Post(string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return request;
    }

    /// <summary>
    /// Stands in for the orchestration, which plugs in through <see cref="IAskService"/>: answers with the best R-data.pdf
    /// passage's first sentence and cites it.
    /// </summary>
    private sealed class SearchBackedAskService(SearchService search) : IAskService
    {
        public async Task<AskAnswer> AskAsync(string tenantId, string question, CancellationToken cancellationToken = default)
        {
            var hit = (await search.SearchAsync(tenantId, new SearchRequest { Query = question + " doc:R-data.pdf", K = 1 }, cancellationToken)).Hits[0];
            var sentence = hit.Text.Split(". ")[0];
            return new AskAnswer(
                $"{sentence}. [1]",
                [new AskCitation(1, hit.DocumentId, hit.DocumentName, hit.ChunkId, hit.Pages, hit.HeadingPath, sentence)],
                Extractive: true,
                Warnings: [],
                WorkflowId: null);
        }
    }
}
