using System.Net;
using AgentRag.Core.Security;
using AgentRag.Server.Apis;
using AgentRag.Server.Tests.Security;
using Microsoft.AspNetCore.Http;

namespace AgentRag.Server.Tests.Telemetry;

/// <summary>Who may read <c>/metrics</c>: loopback in open mode; a platform admin or the scrape key in required mode.</summary>
public sealed class MetricsAccessTests(MetricsAccessTests.ScrapeKeyServerFactory factory) : IClassFixture<MetricsAccessTests.ScrapeKeyServerFactory>
{
    public const string ScrapeKey = "scrape-key-0123456789abcdef0123456789abcdef";

    [Fact]
    public async Task Metrics_RequiredModeWithoutCredential_Gets401()
    {
        using var response = await factory.ClientWith(null).GetAsync(MetricsApi.Path);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task Metrics_RequiredModeWithWrongScrapeKey_Gets401()
    {
        using var response = await factory.ClientWith("scrape-key-wrong-0123456789abcdef0123456789").GetAsync(MetricsApi.Path);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Metrics_RequiredModeWithScrapeKeyOrPlatformAdmin_Gets200WithAgentRagMetrics()
    {
        var admin = await factory.CreateKeyAsync("metrics-admin", TenantRole.Admin, platformAdmin: true);

        foreach (var credential in new[] { ScrapeKey, admin.Key })
        {
            using var response = await factory.ClientWith(credential).GetAsync(MetricsApi.Path);

            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            var body = await response.Content.ReadAsStringAsync();
            body.ShouldContain("# TYPE agentrag_");
            body.ShouldContain("http_server_request_duration_seconds");
        }
    }

    [Fact]
    public async Task Metrics_RequiredModeWithTenantKeys_Gets403NamingWhatItNeeds()
    {
        foreach (var role in new[] { TenantRole.Viewer, TenantRole.Admin })
        {
            var key = await factory.CreateKeyAsync("metrics-tenant", role);

            using var response = await factory.ClientWith(key.Key).GetAsync(MetricsApi.Path);

            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            (await response.Content.ReadAsStringAsync()).ShouldContain("platform administrator");
        }
    }

    [Fact]
    public async Task Metrics_ScrapeKey_GrantsNothingElse()
    {
        using var response = await factory.ClientWith(ScrapeKey).GetAsync("/v1/documents");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Metrics_OpenModeFromLoopback_Gets200_FromAnotherAddress_Gets403()
    {
        using var open = new AgentRagServerFactory();
        _ = open.Services;

        var loopback = await open.Server.SendAsync(context => Get(context, IPAddress.Loopback));
        var remote = await open.Server.SendAsync(context => Get(context, IPAddress.Parse("10.1.2.3")));

        loopback.Response.StatusCode.ShouldBe(StatusCodes.Status200OK);
        remote.Response.StatusCode.ShouldBe(StatusCodes.Status403Forbidden);
        (await new StreamReader(remote.Response.Body).ReadToEndAsync()).ShouldContain("loopback callers only");
    }

    private static void Get(HttpContext context, IPAddress remote)
    {
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = MetricsApi.Path;
        context.Connection.RemoteIpAddress = remote;
    }

    /// <summary>The required-auth server with a scrape key configured.</summary>
    public sealed class ScrapeKeyServerFactory : SecureServerFactory
    {
        protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
        {
            ["AgentRag:Telemetry:Prometheus:ScrapeKey"] = ScrapeKey,
        };
    }
}
