using AgentRag.Mcp.Server;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;

namespace AgentRag.Server.Apis;

/// <summary>
/// <c>/mcp</c>: the platform's MCP server over streamable HTTP, served by the MCP SDK's ASP.NET Core transport
/// (<c>MapMcp</c>) in stateless mode. Each <c>POST</c> carries one JSON-RPC message and is answered by a fresh MCP
/// server whose tools and resources are bound to the caller's tenant (resolved from the credential by
/// <see cref="TenantEndpointFilter"/>, which runs first and refuses a malformed or foreign <c>X-Tenant-ID</c>).
/// Authorization, rate limits, request limits and the origin check apply as to any other route.
/// </summary>
public static class McpApi
{
    public const string Route = "/mcp";

    /// <summary>
    /// Registers the SDK's streamable-HTTP transport, stateless: no <c>Mcp-Session-Id</c>, no server-initiated stream,
    /// so any instance can answer any request. Each request's server options are those of
    /// <see cref="AgentRagMcpServerFactory.Configure"/> for the request's tenant.
    /// </summary>
    public static IServiceCollection AddMcpApi(this IServiceCollection services)
    {
        services.AddMcpServer().WithHttpTransport(transport =>
        {
            transport.Stateless = true;
            transport.ConfigureSessionOptions = (context, options, _) =>
            {
                context.RequestServices.GetRequiredService<AgentRagMcpServerFactory>().Configure(options, TenantEndpointFilter.Resolve(context));
                return Task.CompletedTask;
            };
        });
        return services;
    }

    public static IEndpointConventionBuilder MapMcpApi(this IEndpointRouteBuilder app) =>
        app.MapMcp(Route)
            .WithTags("MCP")
            .AddEndpointFilter<IEndpointConventionBuilder, TenantEndpointFilter>()
            .RequireAuthorization(AuthPolicies.Viewer)
            .ExcludeFromDescription();
}
