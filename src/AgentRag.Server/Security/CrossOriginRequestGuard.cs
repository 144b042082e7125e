using AgentRag.Server.Apis;

namespace AgentRag.Server.Security;

/// <summary>
/// Refuses, with a 403 ProblemDetails, what a web page can make a visitor's browser send without the API's consent:
/// a state-changing request (<c>POST</c>, <c>PUT</c>, <c>PATCH</c>, <c>DELETE</c>) or any request to <c>/mcp</c>
/// whose <c>Origin</c> is neither the server's own nor configured (<see cref="BrowserOrigins"/>), or that the browser
/// marks <c>Sec-Fetch-Site: cross-site</c> without an allowed origin. A plain HTML form needs no CORS preflight, so
/// CORS alone cannot stop it; the MCP transport specification requires this check (403 for an invalid
/// <c>Origin</c>) against DNS rebinding. Requests without these headers (curl, SDKs, servers) pass untouched.
/// </summary>
internal sealed partial class CrossOriginRequestGuard(RequestDelegate next, BrowserOrigins origins, ILogger<CrossOriginRequestGuard> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var mcp = request.Path.StartsWithSegments(McpApi.Route, StringComparison.OrdinalIgnoreCase);
        if (!mcp && !IsStateChanging(request.Method))
        {
            return next(context);
        }

        var origin = request.Headers.Origin.ToString();
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        string detail;
        if (origin.Length > 0)
        {
            if (origins.IsAllowed(request, origin))
            {
                return next(context);
            }

            detail = $"The request comes from the web origin '{origin}', which is neither this server's own origin nor listed in "
                + $"{HttpSecurityOptions.SectionName}:Cors:AllowedOrigins; cross-origin browser requests may not "
                + (mcp ? "use /mcp." : "change anything.");
        }
        else if (string.Equals(fetchSite, "cross-site", StringComparison.OrdinalIgnoreCase))
        {
            detail = "The browser marks this request Sec-Fetch-Site: cross-site and it names no Origin to check against "
                + $"{HttpSecurityOptions.SectionName}:Cors:AllowedOrigins; cross-origin browser requests may not "
                + (mcp ? "use /mcp." : "change anything.");
        }
        else
        {
            return next(context);
        }

        LogRefused(logger, request.Method, request.Path.ToString(), origin.Length > 0 ? origin : "(none)", fetchSite);
        return TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Cross-origin request refused")
            .ExecuteAsync(context);
    }

    private static bool IsStateChanging(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    [LoggerMessage(EventId = 4031, Level = LogLevel.Information,
        Message = "Refused a cross-origin {Method} {Path} (Origin {Origin}, Sec-Fetch-Site {FetchSite})")]
    private static partial void LogRefused(ILogger logger, string method, string path, string origin, string fetchSite);
}
