using AgentRag.Agents;
using AgentRag.Agents.Tools;
using AgentRag.Core;
using AgentRag.Ingestion.Extraction;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Mcp;
using AgentRag.Mcp.Tools;
using AgentRag.Retrieval;
using AgentRag.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Server.Hosting;

/// <summary>The composition root shared by the server and every CLI command.</summary>
public static class AgentRagServiceCollectionExtensions
{
    /// <summary>
    /// Registers the embedded-mode product: the SQLite store in <paramref name="dataFolder"/>, document extraction,
    /// the ingestion pipeline, the retrieval engine, the agents and MCP (server tools, with <c>ask</c> running the full
    /// workflow, and the agents' tool registry).
    /// </summary>
    public static IServiceCollection AddAgentRagCore(this IServiceCollection services, DataFolder dataFolder)
    {
        services.AddSingleton(dataFolder);
        services.AddSingleton(TimeProvider.System);
        services.AddSqliteStorage(dataFolder.Root);
        services.AddDocumentExtraction();
        services.AddRetrieval(dataFolder.IndexDirectory);
        services.AddIngestionPipeline();
        services.AddStepTools<ToolRegistryStepTools>();
        services.AddAgents();
        services.AddAgentRagMcp();
        services.AddSingleton<IAskService, WorkflowAskService>();
        return services;
    }
}
