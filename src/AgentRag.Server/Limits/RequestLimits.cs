using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace AgentRag.Server.Limits;

/// <summary>
/// Refuses oversized requests before an endpoint runs, with a ProblemDetails naming the setting: headers over
/// <see cref="Hosting.ServerOptions.MaxRequestHeadersBytes"/> (431) and, except on upload routes (which have their own per-file
/// limit), bodies over <see cref="Hosting.ServerOptions.MaxRequestBodyBytes"/> (413: at once from <c>Content-Length</c>, or
/// when a chunked body passes the limit while it is read). Kestrel's own limits stay above these as a backstop.
/// </summary>
internal sealed class RequestLimits(RequestDelegate next, IOptions<Hosting.ServerOptions> options, IProblemDetailsService problems)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var server = options.Value;
        var headerBytes = 0L;
        foreach (var (name, values) in context.Request.Headers)
        {
            headerBytes += name.Length + 4;
            foreach (var value in values)
            {
                headerBytes += value?.Length ?? 0;
            }
        }

        if (headerBytes > server.MaxRequestHeadersBytes)
        {
            await RefuseAsync(context, StatusCodes.Status431RequestHeaderFieldsTooLarge, "Request headers too large",
                $"The request's headers are {headerBytes:N0} bytes; the limit is {server.MaxRequestHeadersBytes:N0} ({Hosting.ServerOptions.SectionName}:{nameof(server.MaxRequestHeadersBytes)}).");
            return;
        }

        var isUpload = context.GetEndpoint()?.Metadata.GetMetadata<RateLimits.LimitGroupMetadata>()?.Group == LimitGroup.Uploads;
        if (!isUpload)
        {
            if (context.Request.ContentLength > server.MaxRequestBodyBytes)
            {
                await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, "Request body too large",
                    $"The request body is {context.Request.ContentLength:N0} bytes; the limit is {server.MaxRequestBodyBytes:N0} ({Hosting.ServerOptions.SectionName}:{nameof(server.MaxRequestBodyBytes)}). Upload documents with POST /v1/documents.");
                return;
            }

            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
            {
                bodySize.MaxRequestBodySize = server.MaxRequestBodyBytes;
            }
        }

        await next(context);
    }

    private Task RefuseAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }
}

/// <summary>Pipeline wiring of <see cref="RequestLimits"/>.</summary>
public static class ServerLimits
{
    /// <summary>Adds the request-size checks (after routing, so upload routes are known).</summary>
    public static IApplicationBuilder UseAgentRagRequestLimits(this IApplicationBuilder app) => app.UseMiddleware<RequestLimits>();
}
