using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static AgentRag.Server.Tests.Security.BrowserDefenseTests;

namespace AgentRag.Server.Tests.Security;

/// <summary>
/// CORS and the other browser settings an operator changes: an allowed console origin, a served host name, a
/// content-security policy of its own.
/// </summary>
public sealed class CorsAndPolicyTests : IClassFixture<CorsAndPolicyTests.Server>
{
    private const string Console = "https://console.example.com";

    private readonly Server _server;

    public CorsAndPolicyTests(Server server) => _server = server;

    /// <summary>CORS open to one console origin; the server answers to <c>rag.example.com</c> only.</summary>
    public sealed class Server : IDisposable
    {
        public AgentRagServerFactory Factory { get; } = new(
            new Dictionary<string, string?>
            {
                ["AgentRag:Server:Cors:AllowedOrigins:0"] = Console + "/",
                ["AgentRag:Server:AllowedHosts:0"] = "rag.example.com",
                ["AgentRag:Server:ContentSecurityPolicy"] = "default-src 'none'; frame-ancestors 'self'",
            },
            services => services.AddTransient<IStartupFilter, PageWithOwnPolicy>());

        public HttpClient CreateClient() => Factory.CreateClient(new() { BaseAddress = new Uri("http://rag.example.com") });

        public void Dispose() => Factory.Dispose();
    }

    [Fact]
    public async Task Preflight_AllowedOrigin_GetsCorsHeaders()
    {
        var response = await _server.CreateClient().SendAsync(Preflight("/v1/documents", Console));

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        Header(response, "Access-Control-Allow-Origin").ShouldBe(Console);
        Header(response, "Access-Control-Allow-Methods")!.ShouldContain("POST");
        Header(response, "Access-Control-Allow-Headers")!.ShouldContain("authorization", Case.Insensitive);
        Header(response, "Access-Control-Allow-Credentials").ShouldBeNull();
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("http://console.example.com")]
    [InlineData("https://console.example.com:8443")]
    public async Task Preflight_OtherOrigin_GetsNoCorsHeaders(string origin)
    {
        var response = await _server.CreateClient().SendAsync(Preflight("/v1/documents", origin));

        response.Headers.Any(h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase)).ShouldBeFalse();
    }

    [Fact]
    public async Task GetDocuments_AllowedOrigin_GetsAllowOriginHeader()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/documents");
        request.Headers.Add("Origin", Console);

        var response = await _server.CreateClient().SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        Header(response, "Access-Control-Allow-Origin").ShouldBe(Console);
    }

    [Fact]
    public async Task PostDocuments_AllowedOriginCrossSite_Accepted()
    {
        using var request = HtmlFormUpload("console-" + Guid.NewGuid().ToString("N")[..8], Console, "cross-site");

        var response = await _server.CreateClient().SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        Header(response, "Access-Control-Allow-Origin").ShouldBe(Console);
    }

    [Fact]
    public async Task Mcp_AllowedOrigin_InitializeSucceeds()
    {
        using var request = McpInitialize("POST");
        request.Headers.Add("Origin", Console);

        var response = await _server.CreateClient().SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PostDocuments_OtherOrigin_StillRefused()
    {
        using var request = HtmlFormUpload("default", "https://evil.example", null);

        var response = await _server.CreateClient().SendAsync(request);

        await DocumentsApiTests.ShouldBeProblemAsync(response, HttpStatusCode.Forbidden, "AgentRag:Server:Cors:AllowedOrigins");
    }

    [Theory]
    [InlineData("rag.example.com", HttpStatusCode.OK)]
    [InlineData("RAG.example.com:443", HttpStatusCode.OK)]
    [InlineData("localhost", HttpStatusCode.BadRequest)]
    [InlineData("evil.example", HttpStatusCode.BadRequest)]
    public async Task AnyRequest_ConfiguredAllowedHosts_ReplaceTheLoopbackDefaults(string host, HttpStatusCode expected)
    {
        var status = await ListDocumentsStatusAsync(_server.CreateClient(), host);

        status.ShouldBe(expected);
    }

    [Fact]
    public async Task AnyResponse_ConfiguredPolicy_Sent()
    {
        var response = await _server.CreateClient().GetAsync("/v1/documents");

        ShouldHaveSecurityHeaders(response, "default-src 'none'; frame-ancestors 'self'");
    }

    [Fact]
    public async Task ResponseWithOwnPolicy_KeepsIt()
    {
        var response = await _server.CreateClient().GetAsync(PageWithOwnPolicy.Path);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        Header(response, "Content-Security-Policy").ShouldBe(PageWithOwnPolicy.Policy);
        Header(response, "X-Frame-Options").ShouldBe("SAMEORIGIN");
        Header(response, "X-Content-Type-Options").ShouldBe("nosniff");
    }

    /// <summary>
    /// Stands in for a future web console: a page that sets its own policy. Appended after the application's
    /// pipeline, so it answers only what no endpoint matched.
    /// </summary>
    private sealed class PageWithOwnPolicy : IStartupFilter
    {
        public const string Path = "/console-page";
        public const string Policy = "default-src 'self'; frame-ancestors 'self'";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Map(Path, page => page.Run(context =>
            {
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.Headers.ContentSecurityPolicy = Policy;
                context.Response.Headers.XFrameOptions = "SAMEORIGIN";
                context.Response.ContentType = "text/html";
                return context.Response.WriteAsync("<!doctype html><title>console</title>");
            }));
        };
    }
}
