using AgentRag.Core;

namespace AgentRag.Server.Hosting;

/// <summary>
/// Resolves the caller's tenant from the <c>X-Tenant-ID</c> header (default <c>default</c>) for every <c>/v1</c> route.
/// Until authentication lands this is the only place tenancy is decided. A malformed id is refused with 400.
/// </summary>
public sealed class TenantEndpointFilter : IEndpointFilter
{
    public const string HeaderName = "X-Tenant-ID";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var tenantId = Resolve(context.HttpContext);
        if (!Tenancy.IsValidTenantId(tenantId))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Invalid tenant",
                detail: $"The {HeaderName} header must be {Tenancy.Rule}; got '{tenantId}'.");
        }

        using var scope = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>()
            .CreateLogger("AgentRag.Tenancy").BeginScope(new Dictionary<string, object?> { ["TenantId"] = tenantId });
        System.Diagnostics.Activity.Current?.SetTag("agentrag.tenant", tenantId);
        return await next(context);
    }

    /// <summary>The tenant named by the request (not yet validated: the filter refuses malformed ids).</summary>
    public static string Resolve(HttpContext httpContext)
    {
        var header = httpContext.Request.Headers[HeaderName].ToString();
        return string.IsNullOrWhiteSpace(header) ? Tenancy.DefaultTenant : header.Trim();
    }
}

/// <summary>The caller's tenant, bindable as a minimal-API handler parameter (validated by <see cref="TenantEndpointFilter"/>).</summary>
public readonly record struct TenantId(string Value)
{
    public static ValueTask<TenantId> BindAsync(HttpContext httpContext) =>
        ValueTask.FromResult(new TenantId(TenantEndpointFilter.Resolve(httpContext)));

    public override string ToString() => Value;
}
