using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentRag.TestKit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Server.Tests.Security;

/// <summary>
/// What a hostile web page can make a visitor's browser send: cross-site form posts, DNS-rebound requests with a
/// foreign <c>Host</c>, cross-origin calls to <c>/mcp</c>. Server with the default settings.
/// </summary>
public sealed class BrowserDefenseTests : IClassFixture<BrowserDefenseTests.Server>
{
    private readonly Server _server;

    public BrowserDefenseTests(Server server) => _server = server;

    public sealed class Server : IDisposable
    {
        public AgentRagServerFactory Factory { get; } = new();

        public void Dispose() => Factory.Dispose();
    }

    [Theory]
    [InlineData("https://evil.example", null)]
    [InlineData("https://evil.example", "cross-site")]
    [InlineData(null, "cross-site")]
    [InlineData("null", null)]
    [InlineData("http://localhost:8080", "same-site")]
    public async Task PostDocuments_CrossSiteHtmlForm_Returns403AndStoresNothing(string? origin, string? fetchSite)
    {
        var client = _server.Factory.CreateClient();
        var tenant = "form-" + Guid.NewGuid().ToString("N")[..8];

        using var request = HtmlFormUpload(tenant, origin, fetchSite);
        var response = await client.SendAsync(request);

        await DocumentsApiTests.ShouldBeProblemAsync(response, HttpStatusCode.Forbidden, "cross-origin");
        var list = await ListDocumentsAsync(client, tenant);
        list.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(null, "none")]
    [InlineData(null, "same-origin")]
    [InlineData("http://localhost", "same-origin")]
    [InlineData("http://LOCALHOST:80", null)]
    public async Task PostDocuments_NoOriginOrOwnOrigin_Accepted(string? origin, string? fetchSite)
    {
        var client = _server.Factory.CreateClient();
        var tenant = "same-" + Guid.NewGuid().ToString("N")[..8];

        using var request = HtmlFormUpload(tenant, origin, fetchSite);
        var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        (await ListDocumentsAsync(client, tenant)).Count.ShouldBe(1);
    }

    [Theory]
    [InlineData("DELETE", "/v1/documents/doc_0000000000000000")]
    [InlineData("POST", "/v1/documents/doc_0000000000000000/reprocess")]
    [InlineData("DELETE", "/v1/sessions/ses_0000000000000000")]
    [InlineData("POST", "/v1/search")]
    [InlineData("PUT", "/v1/documents")]
    [InlineData("PATCH", "/v1/documents")]
    public async Task StateChangingRequest_ForeignOrigin_Returns403(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = new StringContent("""{"query":"files"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Origin", "https://evil.example");

        var response = await _server.Factory.CreateClient().SendAsync(request);

        await DocumentsApiTests.ShouldBeProblemAsync(response, HttpStatusCode.Forbidden, "https://evil.example");
    }

    [Fact]
    public async Task GetDocuments_ForeignOrigin_ServedWithoutCorsHeaders()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/documents");
        request.Headers.Add("Origin", "https://evil.example");

        var response = await _server.Factory.CreateClient().SendAsync(request);

        // Reads are not refused; the browser keeps the body from the foreign page because no CORS header allows it.
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.Contains("Access-Control-Allow-Origin").ShouldBeFalse();
    }

    [Fact]
    public async Task Preflight_CorsOff_GetsNoCorsHeaders()
    {
        var response = await _server.Factory.CreateClient().SendAsync(Preflight("/v1/documents", "https://evil.example"));

        response.Headers.Any(h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase)).ShouldBeFalse();
    }

    [Theory]
    [InlineData("evil.example", HttpStatusCode.BadRequest)]
    [InlineData("evil.example:5080", HttpStatusCode.BadRequest)]
    [InlineData("localhost.evil.example", HttpStatusCode.BadRequest)]
    [InlineData("127.0.0.1.nip.io", HttpStatusCode.BadRequest)]
    [InlineData("localhost", HttpStatusCode.OK)]
    [InlineData("localhost:5080", HttpStatusCode.OK)]
    [InlineData("127.0.0.1:5080", HttpStatusCode.OK)]
    [InlineData("[::1]:5080", HttpStatusCode.OK)]
    public async Task AnyRequest_HostOutsideLoopbackNames_Returns400(string host, HttpStatusCode expected)
    {
        var status = await ListDocumentsStatusAsync(_server.Factory.CreateClient(), host);

        status.ShouldBe(expected);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("GET")]
    [InlineData("DELETE")]
    [InlineData("OPTIONS")]
    public async Task Mcp_ForeignOrigin_Returns403(string method)
    {
        using var request = McpInitialize(method);
        request.Headers.Add("Origin", "https://evil.example");

        var response = await _server.Factory.CreateClient().SendAsync(request);

        await DocumentsApiTests.ShouldBeProblemAsync(response, HttpStatusCode.Forbidden, "https://evil.example");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("http://localhost")]
    public async Task Mcp_NoOriginOrOwnOrigin_InitializeSucceeds(string? origin)
    {
        using var request = McpInitialize("POST");
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        var response = await _server.Factory.CreateClient().SendAsync(request);

        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        body.ShouldContain("\"protocolVersion\"");
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/v1/documents")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/no-such-route")]
    [InlineData("/v1/documents/doc_0000000000000000")]
    public async Task AnyResponse_CarriesSecurityHeaders(string path)
    {
        var response = await _server.Factory.CreateClient().GetAsync(path);

        ShouldHaveSecurityHeaders(response, "default-src 'none'; frame-ancestors 'none'");
    }

    [Fact]
    public async Task RefusedRequest_CarriesSecurityHeaders()
    {
        using var request = HtmlFormUpload("default", "https://evil.example", "cross-site");

        var response = await _server.Factory.CreateClient().SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        ShouldHaveSecurityHeaders(response, "default-src 'none'; frame-ancestors 'none'");
    }

    [Fact]
    public async Task Responses_SetNoCookie_AndNoCookieAuthenticationIsRegistered()
    {
        var client = _server.Factory.CreateClient();
        using var upload = HtmlFormUpload("cookies", null, null);
        using var search = new HttpRequestMessage(HttpMethod.Post, "/v1/search") { Content = JsonContent.Create(new { query = "Debian policy" }) };
        using var mcp = McpInitialize("POST");

        HttpResponseMessage[] responses =
        [
            await client.SendAsync(upload),
            await client.GetAsync("/v1/documents"),
            await client.SendAsync(search),
            await client.SendAsync(mcp),
            await client.GetAsync("/health/ready"),
            await client.GetAsync("/openapi/v1.json"),
        ];

        responses.ShouldAllBe(r => (int)r.StatusCode < 400);
        responses.ShouldAllBe(r => !r.Headers.Contains("Set-Cookie"));
        var schemes = _server.Factory.Services.GetService<IAuthenticationSchemeProvider>() is { } provider
            ? await provider.GetAllSchemesAsync()
            : [];
        schemes.ShouldNotContain(s => typeof(CookieAuthenticationHandler).IsAssignableFrom(s.HandlerType));
    }

    internal static void ShouldHaveSecurityHeaders(HttpResponseMessage response, string contentSecurityPolicy)
    {
        Header(response, "Content-Security-Policy").ShouldBe(contentSecurityPolicy);
        Header(response, "X-Content-Type-Options").ShouldBe("nosniff");
        Header(response, "Referrer-Policy").ShouldBe("no-referrer");
        Header(response, "X-Frame-Options").ShouldBe("DENY");
    }

    internal static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : null;

    /// <summary>What <c>&lt;form method=post enctype=multipart/form-data action=…/v1/documents&gt;</c> on a page sends.</summary>
    internal static HttpRequestMessage HtmlFormUpload(string tenant, string? origin, string? fetchSite)
    {
        var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(File.ReadAllBytes(SharedPaths.CorpusFile("debian-policy-README.txt")));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        content.Add(file, "files", "debian-policy-README.txt");
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/documents") { Content = content };
        request.Headers.Add("X-Tenant-ID", tenant);
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
            request.Headers.Add("Sec-Fetch-Mode", "navigate");
            request.Headers.Add("Sec-Fetch-Dest", "document");
        }

        return request;
    }

    /// <summary>The status of <c>GET /v1/documents</c> sent with <paramref name="host"/> as its <c>Host</c> header.</summary>
    internal static async Task<HttpStatusCode> ListDocumentsStatusAsync(HttpClient client, string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/documents");
        request.Headers.Host = host;
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    internal static HttpRequestMessage McpInitialize(string method)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), "/mcp");
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (method == "POST")
        {
            request.Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"tests","version":"1"}}}""",
                Encoding.UTF8,
                "application/json");
        }

        return request;
    }

    internal static HttpRequestMessage Preflight(string path, string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return request;
    }

    private static async Task<List<JsonElement>> ListDocumentsAsync(HttpClient client, string tenant)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/documents");
        request.Headers.Add("X-Tenant-ID", tenant);
        var response = await client.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("items").EnumerateArray().ToList();
    }
}
