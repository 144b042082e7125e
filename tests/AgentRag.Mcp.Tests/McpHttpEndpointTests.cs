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

        // A stateless server has no stream to open and no session to end: only POST is mapped.
        response.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        response.Content.Headers.Allow.ShouldBe(["POST"]);
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
    public async Task Post_MalformedJson_400JsonRpcError()
    {
        using var http = corpus.Http.CreateClient();

        using var response = await http.SendAsync(Post("""{"jsonrpc":"2.0","id":1,"method":"""));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        error.GetProperty("code").GetInt32().ShouldBe(-32600);
        error.GetProperty("message").GetString()!.ShouldStartWith("Bad Request: The POST body did not contain a valid JSON-RPC message");
    }

    [Fact]
    public async Task Post_SessionIdHeader_400StatelessServer()
    {
        using var http = corpus.Http.CreateClient();
        var request = Post(InitializeBody);
        request.Headers.Add("Mcp-Session-Id", "abc");

        using var response = await http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("stateless");
    }

    [Fact]
    public async Task Post_UnsupportedProtocolVersionHeader_400NamingTheVersion()
    {
        using var http = corpus.Http.CreateClient();
        var request = Post("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""");
        request.Headers.Add("MCP-Protocol-Version", "1999-01-01");

        using var response = await http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("1999-01-01");
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

    private static HttpRequestMessage Post(string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return request;
    }
}
