using AgentRag.Agents;
using AgentRag.Agents.Tools;
using AgentRag.Core;
using AgentRag.Ingestion.Extraction;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Mcp;
using AgentRag.Mcp.Tools;
using AgentRag.Models;
using AgentRag.Core.Storage;
using AgentRag.Retrieval;
using AgentRag.Retrieval.Search;
using AgentRag.Server.Security;
using AgentRag.Storage.Sqlite;
using AgentRag.Storage.Sqlite.Files;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentRag.Server.Hosting;

/// <summary>The composition root shared by the server and every CLI command.</summary>
public static class AgentRagServiceCollectionExtensions
{
    /// <summary>
    /// Registers the embedded-mode product: the SQLite store in <paramref name="dataFolder"/>, document extraction,
    /// the model layer (profiles from <c>AgentRag:Models</c> or OPENAI_BASE_URL/AGENTRAG_*_MODEL; none means model-free),
    /// the ingestion pipeline, the retrieval engine (dense retrieval, reranking and LLM expansion when models are
    /// configured), the agents, and MCP (server tools, with <c>ask</c> running the full workflow, and the agents' tool
    /// registry).
    /// </summary>
    public static IServiceCollection AddAgentRagCore(this IServiceCollection services, DataFolder dataFolder)
    {
        services.AddSingleton(dataFolder);
        services.AddSingleton(TimeProvider.System);
        services.AddSqliteStorage(dataFolder.Root);
        services.AddDataFolderFiles();
        services.AddDocumentExtraction();
        services.AddModels();
        // The retrieval catalogs put their indexes in <data>/index/<tenant>/ themselves.
        services.AddRetrieval(dataFolder.Root);
        services.AddModelRetrieval(dataFolder.Root);

        // After the real indexers, so a search that starts once indexing is done never sees the stale cache.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChunkIndexer, SearchCacheInvalidator>());
        services.AddIngestionPipeline();
        services.AddStepTools<ToolRegistryStepTools>();
        services.AddAgents();
        services.AddAgentRagMcp();
        services.AddSingleton<IAskService, WorkflowAskService>();
        services.AddApiKeys();
        return services;
    }
}
