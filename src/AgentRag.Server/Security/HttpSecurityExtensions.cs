using System.Net;
using AgentRag.Core.Sessions;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.Extensions.Options;

namespace AgentRag.Server.Security;

/// <summary>
/// Wiring of the defenses against browser-borne attacks and of proxy trust: <c>services.AddAgentRagHttpSecurity()</c>
/// and <c>app.UseAgentRagHttpSecurity()</c>, settings in <see cref="HttpSecurityOptions"/>.
/// </summary>
public static class HttpSecurityExtensions
{
    /// <summary>Response headers a browser page allowed by CORS may read.</summary>
    private static readonly string[] ExposedHeaders = ["Location", "Retry-After", SessionIds.HeaderName, "X-Workflow-Id"];

    /// <summary>
    /// Registers <see cref="HttpSecurityOptions"/> (validated at start), the allowed hosts for ASP.NET Core's host
    /// filtering (which <c>WebApplication</c> runs before any other middleware), CORS and HSTS.
    /// </summary>
    public static IServiceCollection AddAgentRagHttpSecurity(this IServiceCollection services)
    {
        services.AddOptions<HttpSecurityOptions>()
            .BindConfiguration(HttpSecurityOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<HttpSecurityOptions>, HttpSecurityOptionsValidator>();
        services.AddSingleton<BrowserOrigins>();

        // Host filtering: WebApplication's defaults read the top-level AllowedHosts only when these are empty. Its
        // refusals ("The host '…' does not match an allowed host.") are logged at Information: show them.
        services.AddOptions<HostFilteringOptions>()
            .Configure<IOptions<HttpSecurityOptions>>((filtering, security) =>
            {
                filtering.AllowedHosts = [.. security.Value.EffectiveAllowedHosts];
                filtering.AllowEmptyHosts = true;
            });
        services.Configure<LoggerFilterOptions>(logging => logging.AddFilter("Microsoft.AspNetCore.HostFiltering", LogLevel.Information));

        services.AddCors();
        services.AddOptions<CorsOptions>()
            .Configure<BrowserOrigins, IOptions<HttpSecurityOptions>>((cors, origins, security) =>
                cors.AddDefaultPolicy(policy => policy
                    .WithOrigins([.. origins.Allowed])
                    .WithMethods(HttpMethods.Get, HttpMethods.Head, HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete)
                    .AllowAnyHeader()
                    .WithExposedHeaders(ExposedHeaders)
                    .SetPreflightMaxAge(security.Value.Cors.PreflightMaxAge)));
        services.AddOptions<HstsOptions>()
            .Configure<IOptions<HttpSecurityOptions>>((hsts, security) => hsts.MaxAge = security.Value.HstsMaxAge);
        return services;
    }

    /// <summary>
    /// Adds, in order: forwarded headers from known proxies (only when some are configured), HSTS, the security
    /// headers, the cross-origin request guard and CORS (only when origins are configured). Call it before any
    /// endpoint is mapped. Throws <see cref="OptionsValidationException"/> for invalid settings.
    /// </summary>
    public static IApplicationBuilder UseAgentRagHttpSecurity(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.ApplicationServices.GetRequiredService<IOptions<HttpSecurityOptions>>().Value;
        if (options.TrustsProxies)
        {
            app.UseForwardedHeaders(ForwardedHeaders(options));
        }

        if (options.HstsMaxAge > TimeSpan.Zero)
        {
            app.UseHsts();
        }

        app.UseMiddleware<SecurityHeaders>();
        app.UseMiddleware<CrossOriginRequestGuard>();
        if (options.Cors.AllowedOrigins.Count > 0)
        {
            app.UseCors();
        }

        return app;
    }

    /// <summary>
    /// <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> from the configured proxies and networks only. ASP.NET
    /// Core's own defaults (trust loopback) are cleared: a peer that is not named is never believed.
    /// </summary>
    private static ForwardedHeadersOptions ForwardedHeaders(HttpSecurityOptions options)
    {
        var forwarded = new ForwardedHeadersOptions
        {
            ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto,
            ForwardLimit = options.ForwardLimit,
        };
        forwarded.KnownProxies.Clear();
        forwarded.KnownIPNetworks.Clear();
        foreach (var proxy in options.KnownProxies)
        {
            forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
        }

        foreach (var network in options.KnownNetworks)
        {
            forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        }

        return forwarded;
    }
}
