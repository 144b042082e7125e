using AgentRag.Server.Hosting;

namespace AgentRag.Server.Auditing;

/// <summary>The audit action of an endpoint (metadata read by <see cref="AuditEndpointFilter"/>).</summary>
public sealed record AuditedAction(string Action);

/// <summary>A response that names the ids it created, for the audit entry's target (several ids are comma-separated).</summary>
public interface IAuditTarget
{
    string? AuditTarget { get; }
}

/// <summary>
/// Records an audit entry for every call of an endpoint marked <see cref="AuditEndpointExtensions.Audited"/>, after its
/// handler ran: the tenant it acted for, the target (the route's <c>id</c>, else the ids the response names through
/// <see cref="IAuditTarget"/>) and the outcome of the result's status. A handler that throws is recorded as a 500.
/// </summary>
public sealed class AuditEndpointFilter(AuditRecorder recorder) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var httpContext = context.HttpContext;
        var action = httpContext.GetEndpoint()?.Metadata.GetMetadata<AuditedAction>()?.Action
            ?? throw new InvalidOperationException($"{nameof(AuditEndpointFilter)} runs only on endpoints marked Audited(…).");
        var tenant = TenantEndpointFilter.Resolve(httpContext);
        object? result;
        try
        {
            result = await next(context);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await recorder.RecordAsync(httpContext, tenant, action, RouteTarget(httpContext), StatusCodes.Status500InternalServerError);
            throw;
        }

        var target = RouteTarget(httpContext) ?? ((AuditRecorder.Unwrap(result) as IValueHttpResult)?.Value as IAuditTarget)?.AuditTarget;
        await recorder.RecordAsync(httpContext, tenant, action, target, AuditRecorder.StatusOf(result, httpContext));
        return result;
    }

    private static string? RouteTarget(HttpContext httpContext) => httpContext.GetRouteValue("id") as string;
}

/// <summary>Marks endpoints as audited.</summary>
public static class AuditEndpointExtensions
{
    /// <summary>Records every call of this endpoint in the audit log as <paramref name="action"/> (see <see cref="AuditEndpointFilter"/>).</summary>
    public static TBuilder Audited<TBuilder>(this TBuilder builder, string action)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(action);
        builder.WithMetadata(new AuditedAction(action));
        return builder.AddEndpointFilter<TBuilder, AuditEndpointFilter>();
    }
}
