using AgentRag.Agents;
using AgentRag.Agents.Tools;
using AgentRag.Core;
using AgentRag.Core.Storage;
using AgentRag.Hosting.Retention;
using AgentRag.Ingestion.Extraction;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Mcp;
using AgentRag.Mcp.Tools;
using AgentRag.Models;
using AgentRag.Models.Local;
using AgentRag.Retrieval;
using AgentRag.Retrieval.Search;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentRag.Hosting;

/// <summary>The host-neutral composition root: the server and every CLI command compose the product through it.</summary>
public static class DependencyInjection
{
    /// <summary>
    /// Registers the product over the backends <paramref name="configure"/> chooses, one per axis
    /// (<c>o => o.UseSqlite(dataFolder).UseEmbeddedRuntime()</c>, or <see cref="AgentRagBuilder.UseConfiguration"/>):
    /// the storage backend, document extraction, the model layer (profiles from <c>AgentRag:Models</c> or
    /// OPENAI_BASE_URL/AGENTRAG_*_MODEL; none means model-free; embeddings in process by default, <c>AgentRag:Embeddings</c>), the ingestion pipeline, the retrieval engine with its
    /// embedded indexes in the data folder (dense retrieval, reranking and LLM expansion when models are configured), the
    /// agents, MCP (server tools, with <c>ask</c> running the full workflow, and the agents' tool registry), and the actor
    /// runtime. Throws <see cref="InvalidOperationException"/> naming what is missing when an axis is not chosen or a
    /// backend leaves a required port unregistered (<see cref="RequiredPorts"/>), so a host fails at startup rather than
    /// at its first request. Web concerns (HTTP, auth, limits) are the server's.
    /// </summary>
    public static IServiceCollection AddAgentRag(this IServiceCollection services, Action<AgentRagBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var backends = new AgentRagBuilder();
        configure(backends);
        backends.ThrowIfIncomplete();
        var dataFolder = backends.DataFolder!;

        services.AddSingleton(dataFolder);
        services.TryAddSingleton(TimeProvider.System);
        backends.RegisterStorage!(services);
        services.AddDocumentExtraction();
        services.AddModels();
        services.AddLocalEmbeddings();
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
        services.AddRetention();
        backends.RegisterRuntime!(services);

        RequiredPorts.ThrowIfMissing(services, backends);
        return services;
    }
}
