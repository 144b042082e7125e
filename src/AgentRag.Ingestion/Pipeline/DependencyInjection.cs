using AgentRag.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentRag.Ingestion.Pipeline;

public static class DependencyInjection
{
    /// <summary>
    /// Registers the ingestion pipeline, its event hub, background worker, the background embedding stage
    /// (<see cref="DocumentEmbeddingService"/>, <see cref="EmbeddingWorker"/>, <see cref="IngestionActivity"/>) and, unless one is registered already, the
    /// embedded <see cref="IIngestionQueue"/> (<see cref="InProcessIngestionQueue"/>). Requires an <c>IDocumentStore</c>,
    /// an <c>IBlobStore</c>, an <c>IDistributedLock</c>, document extraction, and any number of <c>IChunkIndexer</c>s.
    /// </summary>
    public static IServiceCollection AddIngestionPipeline(this IServiceCollection services)
    {
        services.AddOptions<IngestionOptions>()
            .BindConfiguration(IngestionOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IngestionEventHub>();
        services.TryAddSingleton<ScratchSpace>();
        services.TryAddSingleton<IngestionActivity>();
        services.TryAddSingleton<DocumentEmbeddingService>();
        services.TryAddSingleton<EmbeddingWorker>();
        services.TryAddSingleton<DocumentIngestionService>();
        services.TryAddSingleton<IIngestionQueue, InProcessIngestionQueue>();
        services.TryAddSingleton<IngestionWorker>();
        return services;
    }
}
