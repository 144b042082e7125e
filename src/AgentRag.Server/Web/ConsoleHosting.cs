using Microsoft.AspNetCore.Hosting.StaticWebAssets;

namespace AgentRag.Server.Web;

/// <summary>
/// Serves the web console (the Blazor WebAssembly app in <c>src/AgentRag.WebConsole</c>) at <c>/</c>: its static assets from
/// the static web assets manifest the build writes beside the server, and <c>index.html</c> for the console's page
/// routes. The assets need no credential (they hold no data: the console signs in against <c>/v1</c> like any client)
/// and carry <see cref="ConsoleContentSecurityPolicy"/>. See docs/adr/0028-web-console.md.
/// </summary>
public static class ConsoleHosting
{
    /// <summary>
    /// The console's policy: scripts only from the server plus <c>'wasm-unsafe-eval'</c> (WebAssembly compilation; no
    /// <c>'unsafe-eval'</c>, no inline script), styles only from the server, no plugins, no framing, no foreign requests.
    /// </summary>
    public const string ConsoleContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
        + "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>The console's client-side page routes, answered with <c>index.html</c> (a reload or a shared link).</summary>
    public static IReadOnlyList<string> PageRoutes { get; } = ["/", "/chat", "/documents", "/sign-in", "/approvals", "/admin", "/shared"];

    /// <summary>The endpoints manifest of the console's assets, written by the build (and publish) of this project.</summary>
    internal static string? FindEndpointsManifest() => Existing($"{typeof(ConsoleHosting).Assembly.GetName().Name}.staticwebassets.endpoints.json");

    /// <summary>
    /// Where the built (not published) console's files are: the build's runtime manifest, which maps each asset to its
    /// folder in the source tree (the console's <c>wwwroot</c>, <c>obj</c> and <c>bin</c>). A published host has none:
    /// its assets are under <c>wwwroot</c>.
    /// </summary>
    internal static string? FindRuntimeManifest() => Existing($"{typeof(ConsoleHosting).Assembly.GetName().Name}.staticwebassets.runtime.json");

    /// <summary>
    /// Lets the host find the built console's files wherever it runs from (the CLI's build folder, a test's): the
    /// runtime manifest is named after this assembly, not after the entry assembly that ASP.NET Core would look for.
    /// </summary>
    public static WebApplicationBuilder AddConsole(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // The console's files do not change while the server runs: no development-time reloading (it would add a
        // catch-all "{**path:file}" endpoint outside the console's metadata and policies).
        builder.Configuration["ReloadStaticAssetsAtRuntime"] ??= "false";
        if (FindRuntimeManifest() is { } runtime)
        {
            builder.Configuration[WebHostDefaults.StaticWebAssetsKey] = runtime;
            StaticWebAssetsLoader.UseStaticWebAssets(builder.Environment, builder.Configuration);
        }

        return builder;
    }

    private static string? Existing(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, name);
        return File.Exists(path) ? path : null;
    }

    /// <summary>
    /// Rewrites a GET of a console page route to <c>/index.html</c>, before routing matches it. Call it first in the
    /// pipeline, then <c>UseRouting</c>.
    /// </summary>
    public static IApplicationBuilder UseConsolePageRoutes(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use((context, next) =>
        {
            var request = context.Request;
            if ((HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
                && PageRoutes.Any(route => request.Path.Equals(route, StringComparison.OrdinalIgnoreCase)
                                           || (route != "/" && request.Path.StartsWithSegments(route, StringComparison.OrdinalIgnoreCase))))
            {
                request.Path = "/index.html";
            }

            return next(context);
        });
    }

    /// <summary>
    /// Maps the console's assets (anonymous, not rate-limited, with <see cref="ConsoleContentSecurityPolicy"/>). Does
    /// nothing when the build wrote no manifest (a host built without the console).
    /// </summary>
    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (FindEndpointsManifest() is not { } manifest)
        {
            return app;
        }

        app.MapStaticAssets(manifest)
            .AllowAnonymous()
            .DisableRateLimiting()
            .WithMetadata(ConsoleAsset.Instance);
        return app;
    }
}

/// <summary>Marks an endpoint as one of the console's static assets (anonymous, with the console's CSP).</summary>
public sealed class ConsoleAsset
{
    public static ConsoleAsset Instance { get; } = new();

    private ConsoleAsset()
    {
    }
}
