using AgentRag.Core.Storage;
using AgentRag.Retrieval.Evaluation;
using AgentRag.Retrieval.Keyword;
using AgentRag.Retrieval.Search;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Retrieval;

/// <summary>Registers the retrieval engine.</summary>
public static class DependencyInjection
{
    /// <summary>
    /// Adds the BM25 keyword index under <paramref name="dataDirectory"/>: <see cref="Bm25IndexCatalog"/>,
    /// <see cref="Bm25ChunkIndexer"/> (also as an <see cref="IChunkIndexer"/>), <see cref="KeywordSearcher"/> (with
    /// filters resolved through <see cref="IDocumentStore"/> when one is registered) and <see cref="BeirEvaluator"/>.
    /// <see cref="Bm25Options"/> bind to <c>Retrieval:Bm25</c> and are validated at startup.
    /// </summary>
    public static IServiceCollection AddRetrieval(this IServiceCollection services, string dataDirectory, Action<Bm25Options>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        var builder = services.AddOptions<Bm25Options>().BindConfiguration(Bm25Options.SectionName).ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.Validate(
            options =>
            {
                try
                {
                    options.Validate();
                    return true;
                }
                catch (ArgumentOutOfRangeException)
                {
                    return false;
                }
            },
            $"{Bm25Options.SectionName}: K1 must be in [0, 10], B in [0, 1], CompactionRatio in [0.05, 1], JournalSnapshotBytes ≥ 1024.");

        services.TryAddSingleton(sp => new Bm25IndexCatalog(
            dataDirectory, sp.GetRequiredService<IOptions<Bm25Options>>().Value, sp.GetService<ILogger<Bm25IndexCatalog>>()));
        services.TryAddSingleton<Bm25ChunkIndexer>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChunkIndexer, Bm25ChunkIndexer>(sp => sp.GetRequiredService<Bm25ChunkIndexer>()));
        services.TryAddSingleton<IDocumentFilterResolver>(sp => sp.GetService<IDocumentStore>() is { } store
            ? new DocumentStoreFilterResolver(store)
            : throw new InvalidOperationException("Search filters need an IDocumentStore registration."));
        services.TryAddSingleton(sp => new KeywordSearcher(
            sp.GetRequiredService<Bm25IndexCatalog>(),
            sp.GetService<IDocumentStore>() is null ? null : sp.GetRequiredService<IDocumentFilterResolver>()));
        services.TryAddSingleton(sp => new BeirEvaluator(sp.GetRequiredService<IOptions<Bm25Options>>().Value));
        services.AddOptions<SearchOptions>().BindConfiguration(SearchOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<SearchService>();
        return services;
    }
}
