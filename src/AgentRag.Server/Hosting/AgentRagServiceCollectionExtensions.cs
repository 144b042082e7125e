using AgentRag.Agents;
using AgentRag.Core;
using AgentRag.Ingestion.Extraction;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Models;
using AgentRag.Retrieval;
using AgentRag.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Server.Hosting;

/// <summary>The composition root shared by the server and every CLI command.</summary>
public static class AgentRagServiceCollectionExtensions
{
    /// <summary>
    /// Registers the embedded-mode product: the SQLite store in <paramref name="dataFolder"/>, document extraction,
    /// the model layer (profiles from <c>AgentRag:Models</c> or OPENAI_BASE_URL/AGENTRAG_*_MODEL; none means model-free),
    /// the ingestion pipeline, the retrieval engine and query orchestration.
    /// </summary>
    public static IServiceCollection AddAgentRagCore(this IServiceCollection services, DataFolder dataFolder)
    {
        services.AddSingleton(dataFolder);
        services.AddSingleton(TimeProvider.System);
        services.AddSqliteStorage(dataFolder.Root);
        services.AddDocumentExtraction();
        services.AddModels();
        services.AddRetrieval(dataFolder.IndexDirectory);
        services.AddIngestionPipeline();
        services.AddAgents();
        return services;
    }
}
