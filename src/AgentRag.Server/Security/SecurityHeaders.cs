using Microsoft.Extensions.Options;

namespace AgentRag.Server.Security;

/// <summary>
/// Adds the browser-hardening headers to every response as it starts: <c>Content-Security-Policy</c>
/// (<see cref="HttpSecurityOptions.ContentSecurityPolicy"/>), <c>X-Content-Type-Options: nosniff</c>,
/// <c>Referrer-Policy: no-referrer</c> and <c>X-Frame-Options: DENY</c>. A header the endpoint already set is kept, so a
/// page that needs its own policy (a web console) sets it and wins.
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
