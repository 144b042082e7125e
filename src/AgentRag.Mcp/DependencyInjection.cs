using AgentRag.Mcp.Registry;
using AgentRag.Mcp.Server;
using AgentRag.Mcp.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentRag.Mcp;

/// <summary>Registers MCP: the platform's MCP server and the agents' tool registry.</summary>
public static class DependencyInjection
{
    /// <summary>
    /// Adds <see cref="BuiltInTools"/>, <see cref="DocumentResources"/>, <see cref="AgentRagMcpServerFactory"/> (serve with
    /// <see cref="AgentRagMcpServerFactory.RunStdioAsync"/>, or configure each HTTP request's server with
    /// <see cref="AgentRagMcpServerFactory.Configure"/>)
    /// and the <see cref="ToolRegistry"/> with its hosted service. <see cref="ExternalToolsOptions"/> bind to
    /// <c>AgentRag:Mcp</c> and are validated at startup. Needs <c>SearchService</c> and <c>IDocumentStore</c> registered;
    /// register an <see cref="IAskService"/> to offer the <c>ask</c> tool.
    /// </summary>
    public static IServiceCollection AddAgentRagMcp(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ExternalToolsOptions>().BindConfiguration(ExternalToolsOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ExternalToolsOptions>, ExternalToolsOptionsValidator>());
        services.TryAddSingleton<BuiltInTools>();
        services.TryAddSingleton<DocumentResources>();
        services.TryAddSingleton<AgentRagMcpServerFactory>();
        services.TryAddSingleton<ToolRegistry>();
        services.AddHostedService<ToolRegistryHostedService>();
        return services;
    }
}
