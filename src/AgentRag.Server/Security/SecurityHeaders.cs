using Microsoft.Extensions.Options;

namespace AgentRag.Server.Security;

/// <summary>
/// Adds the browser-hardening headers to every response as it starts: <c>Content-Security-Policy</c>
/// (<see cref="HttpSecurityOptions.ContentSecurityPolicy"/>), <c>X-Content-Type-Options: nosniff</c>,
/// <c>Referrer-Policy: no-referrer</c> and <c>X-Frame-Options: DENY</c>. A header the endpoint already set is kept, so a
/// page that needs its own policy sets it and wins; the web console's assets (<see cref="Web.ConsoleAsset"/>) get
/// <see cref="Web.ConsoleHosting.ConsoleContentSecurityPolicy"/>.
/// </summary>
internal sealed class SecurityHeaders(RequestDelegate next, IOptions<HttpSecurityOptions> options)
{
    private readonly string _contentSecurityPolicy = options.Value.ContentSecurityPolicy;

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            var (response, policy) = ((HttpResponse, string))state;
            var headers = response.Headers;
            if (response.HttpContext.GetEndpoint()?.Metadata.GetMetadata<Web.ConsoleAsset>() is not null)
            {
                policy = Web.ConsoleHosting.ConsoleContentSecurityPolicy;
            }

            if (policy.Length > 0 && !headers.ContainsKey("Content-Security-Policy"))
            {
                headers.ContentSecurityPolicy = policy;
            }

            headers.TryAdd("X-Content-Type-Options", "nosniff");
            headers.TryAdd("Referrer-Policy", "no-referrer");
            headers.TryAdd("X-Frame-Options", "DENY");
            return Task.CompletedTask;
        }, (context.Response, _contentSecurityPolicy));
        return next(context);
    }
}
