using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AgentRag.TestKit;
using Microsoft.AspNetCore.Http;
using static AgentRag.Server.Tests.Security.BrowserDefenseTests;

namespace AgentRag.Server.Tests.Security;

/// <summary>
/// TLS terminated by Kestrel with a configured certificate, or by a proxy whose <c>X-Forwarded-*</c> headers count
/// only when it is a configured known proxy or inside a known network.
/// </summary>
public sealed class TlsAndProxyTests : IClassFixture<TlsAndProxyTests.Server>
{
    private const string Proxy = "10.0.0.5";
    private const string Client = "203.0.113.7";

    private readonly Server _server;

    public TlsAndProxyTests(Server server) => _server = server;

    /// <summary>Behind a proxy at 10.0.0.5 or in 10.1.0.0/16 that terminates TLS for <c>rag.example.com</c>.</summary>
    public sealed class Server : IDisposable
    {
        public AgentRagServerFactory Factory { get; } = new(new Dictionary<string, string?>
        {
            ["AgentRag:Server:KnownProxies:0"] = Proxy,
            ["AgentRag:Server:KnownNetworks:0"] = "10.1.0.0/16",
            ["AgentRag:Server:AllowedHosts:0"] = "rag.example.com",
        });

        public void Dispose() => Factory.Dispose();
    }

    [Theory]
    [InlineData(Proxy, Client, "https")]
    [InlineData("10.1.2.3", Client, "https")]
    [InlineData("10.0.0.6", "10.0.0.6", "http")]
    [InlineData("10.2.0.1", "10.2.0.1", "http")]
    [InlineData("127.0.0.1", "127.0.0.1", "http")]
    public async Task ForwardedHeaders_AppliedOnlyFromKnownProxyOrNetwork(string peer, string clientSeen, string schemeSeen)
    {
        var context = await SendThroughProxyAsync(peer, "/health/live");

        context.Response.StatusCode.ShouldBe(StatusCodes.Status200OK);
        context.Connection.RemoteIpAddress.ShouldBe(IPAddress.Parse(clientSeen));
        context.Request.Scheme.ShouldBe(schemeSeen);
    }

    [Fact]
    public async Task SameOriginBrowserPost_BehindKnownTlsProxy_Accepted()
    {
        // The page is https://rag.example.com; only the proxy's X-Forwarded-Proto tells the server its own origin.
        var context = await SendThroughProxyAsync(Proxy, "/v1/search", origin: "https://rag.example.com");

        context.Response.StatusCode.ShouldBe(StatusCodes.Status200OK);
        context.Response.Headers.StrictTransportSecurity.ToString().ShouldStartWith("max-age=31536000");
    }

    [Fact]
    public async Task SameOriginBrowserPost_ForwardedByUnlistedPeer_Refused()
    {
        var context = await SendThroughProxyAsync("10.0.0.6", "/v1/search", origin: "https://rag.example.com");

        context.Response.StatusCode.ShouldBe(StatusCodes.Status403Forbidden);
        context.Response.Headers.StrictTransportSecurity.ToString().ShouldBeEmpty();
    }

    [Fact]
    public async Task ForwardedHeaders_NoKnownProxiesConfigured_IgnoredEvenFromLoopback()
    {
        using var factory = new AgentRagServerFactory();

        var context = await factory.Server.SendAsync(c =>
        {
            c.Connection.RemoteIpAddress = IPAddress.Loopback;
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = "/health/live";
            c.Request.Headers["X-Forwarded-For"] = Client;
            c.Request.Headers["X-Forwarded-Proto"] = "https";
        });

        context.Connection.RemoteIpAddress.ShouldBe(IPAddress.Loopback);
        context.Request.Scheme.ShouldBe("http");
    }

    [Fact]
    public async Task Kestrel_ConfiguredCertificate_ServesHttpsToLoopbackHostsOnly()
    {
        using var folder = new TempDirectory("agentrag-tls");
        using var certificate = SelfSignedLoopbackCertificate();
        var pfx = folder.Combine("server.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "test-password"));
        var url = $"https://127.0.0.1:{FreePort.Next()}";
        using var factory = new AgentRagServerFactory(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Https:Url"] = url,
            ["Kestrel:Endpoints:Https:Certificate:Path"] = pfx,
            ["Kestrel:Endpoints:Https:Certificate:Password"] = "test-password",
        });
        factory.UseKestrel();
        factory.StartServer();
        string? presented = null;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                presented = cert?.Thumbprint;
                return cert?.Thumbprint == certificate.Thumbprint;
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(url) };

        var response = await client.GetAsync("/v1/documents");

        presented.ShouldBe(certificate.Thumbprint);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, "Kestrel's Host is 127.0.0.1:port, a default allowed host");
        ShouldHaveSecurityHeaders(response, "default-src 'none'; frame-ancestors 'none'");
        response.Headers.Contains("Strict-Transport-Security").ShouldBeFalse("HSTS is never sent for loopback hosts");
        (await ListDocumentsStatusAsync(client, "evil.example")).ShouldBe(HttpStatusCode.BadRequest);
    }

    private Task<HttpContext> SendThroughProxyAsync(string peer, string path, string? origin = null) =>
        _server.Factory.Server.SendAsync(c =>
        {
            c.Connection.RemoteIpAddress = IPAddress.Parse(peer);
            c.Request.Host = new HostString("rag.example.com");
            c.Request.Path = path;
            c.Request.Headers["X-Forwarded-For"] = Client;
            c.Request.Headers["X-Forwarded-Proto"] = "https";
            if (origin is null)
            {
                c.Request.Method = HttpMethods.Get;
                return;
            }

            c.Request.Method = HttpMethods.Post;
            c.Request.Headers.Origin = origin;
            c.Request.ContentType = "application/json";
            c.Request.Body = new MemoryStream("""{"query":"file system hierarchy"}"""u8.ToArray());
        });

    private static X509Certificate2 SelfSignedLoopbackCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddHours(1));
    }
}
