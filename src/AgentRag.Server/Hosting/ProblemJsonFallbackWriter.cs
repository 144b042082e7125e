using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.Extensions.Options;

namespace AgentRag.Server.Hosting;

/// <summary>
/// Writes a problem as <c>application/problem+json</c> whatever the request accepts. ASP.NET Core's own writer declines a
/// request that accepts only other types (an event stream's <c>Accept: text/event-stream</c>), and a refusal written
/// outside an endpoint (401, 403, 429) then failed as a 500. Registered after the default writer, so it only answers
/// what that one declines. Thread-safe.
/// </summary>
internal sealed class ProblemJsonFallbackWriter(IOptions<HttpJsonOptions> json) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.HttpContext.Response;
        var problem = context.ProblemDetails;
        problem.Status ??= response.StatusCode;
        return new ValueTask(response.WriteAsJsonAsync(problem, problem.GetType(), json.Value.SerializerOptions, "application/problem+json"));
    }
}
