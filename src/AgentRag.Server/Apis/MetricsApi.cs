using System.Net;
using System.Security.Cryptography;
using System.Text;
using AgentRag.Server.Security;
using AgentRag.Server.Telemetry;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace AgentRag.Server.Apis;

/// <summary>
/// <c>GET /metrics</c>: the Prometheus text exposition of every <c>agentrag_*</c> metric (and ASP.NET Core's and
/// HttpClient's), on the main port. Who may read it:
/// <list type="bullet">
/// <item>open mode: loopback callers only (open mode binds loopback; this also refuses callers a proxy forwards);</item>
/// <item>required mode: a platform administrator's credential (the metrics cover every tenant), or the scrape key
/// (<see cref="PrometheusOptions.ScrapeKey"/>), which grants nothing else; anything else is 401 (no or an invalid
/// credential) or 403 (a valid credential of lower rank).</item>
/// </list>
/// Not mapped when telemetry is off (<see cref="TelemetryOptions.Enabled"/>).
/// </summary>
public static class MetricsApi
{
    public const string Path = "/metrics";

    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetRequiredService<IOptions<TelemetryOptions>>().Value.Enabled)
        {
            app.MapPrometheusScrapingEndpoint(Path)
                .RequireAuthorization(policy => policy.AddRequirements(new MetricsReaderRequirement()))
                .DisableRateLimiting()
                .WithDisplayName("Prometheus metrics");
        }

        return app;
    }

    /// <summary>True for a scrape of <see cref="Path"/>, which is not traced (a scraper calls it every few seconds).</summary>
    public static bool IsScrape(HttpContext context) => context.Request.Path.Equals(Path, StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads <c>/metrics</c>.</summary>
    public sealed class MetricsReaderRequirement : IAuthorizationRequirement;

    /// <summary>The configured scrape key, hashed once for fixed-time comparison; none when not configured.</summary>
    public sealed class ScrapeKey(IOptions<PrometheusOptions> options)
    {
        private readonly byte[]? _hash = Read(options.Value) is { Length: > 0 } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;

        /// <summary>True when <paramref name="presented"/> is the scrape key (fixed-time).</summary>
        public bool Matches(string? presented) =>
            _hash is not null && presented is not null && CryptographicOperations.FixedTimeEquals(_hash, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));

        private static string? Read(PrometheusOptions options) =>
            options.ScrapeKey ?? (options.ScrapeKeyFile is { } file ? File.ReadAllText(file).Trim() : null);
    }

    internal sealed class MetricsReaderHandler(ScrapeKey scrapeKey) : AuthorizationHandler<MetricsReaderRequirement>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, MetricsReaderRequirement requirement)
        {
            var http = context.Resource as HttpContext;
            if (http is not null && scrapeKey.Matches(AgentRagAuthenticationHandler.ReadCredential(http.Request)))
            {
                context.Succeed(requirement);
            }
            else if (AgentRagClaims.IsOpenMode(context.User))
            {
                // No network address (an in-process or Unix-socket caller) is local too.
                if (http?.Connection.RemoteIpAddress is not { } remote || IPAddress.IsLoopback(remote))
                {
                    context.Succeed(requirement);
                }
                else
                {
                    context.Fail(new AuthorizationFailureReason(this, "In open mode the metrics answer loopback callers only."));
                }
            }
            else if (context.User.Identity?.IsAuthenticated == true && AgentRagClaims.IsPlatformAdmin(context.User))
            {
                context.Succeed(requirement);
            }
            else if (context.User.Identity?.IsAuthenticated == true)
            {
                context.Fail(new AuthorizationFailureReason(this,
                    "The metrics cover every tenant: they need a platform administrator's credential or the scrape key (AgentRag:Telemetry:Prometheus:ScrapeKey)."));
            }

            return Task.CompletedTask;
        }
    }
}
