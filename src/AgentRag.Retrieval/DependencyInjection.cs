using AgentRag.Core.Search;
using AgentRag.Core.Storage;
using AgentRag.Core.Usage;
using AgentRag.Models;
using AgentRag.Models.Configuration;
using AgentRag.Models.Prompts;
using AgentRag.Models.Resilience;
using AgentRag.Retrieval.Dense;
using AgentRag.Retrieval.Evaluation;
using AgentRag.Retrieval.Expansion;
using AgentRag.Retrieval.Keyword;
using AgentRag.Retrieval.MultiHop;
using AgentRag.Retrieval.Reranking;
using AgentRag.Retrieval.Search;
using AgentRag.Retrieval.Vectors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Retrieval;

/// <summary>Registers the retrieval engine.</summary>
public static class DependencyInjection
{
    /// <summary>
    /// Adds the BM25 keyword index under <paramref name="dataDirectory"/>: <see cref="Bm25IndexCatalog"/> as the
    /// <see cref="IKeywordIndex"/> (unless another backend registered one first),
    /// <see cref="Bm25ChunkIndexer"/> (also as an <see cref="IChunkIndexer"/>), <see cref="KeywordSearcher"/> (with
    /// filters resolved through <see cref="IDocumentStore"/> when one is registered) and <see cref="BeirEvaluator"/>.
    /// <see cref="Bm25Options"/> bind to <c>AgentRag:Retrieval:Bm25</c> and are validated at startup.
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

        services.TryAddSingleton<IKeywordIndex>(sp => new Bm25IndexCatalog(
            dataDirectory, sp.GetRequiredService<IOptions<Bm25Options>>().Value, sp.GetService<ILogger<Bm25IndexCatalog>>()));
        services.TryAddSingleton<Bm25ChunkIndexer>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChunkIndexer, Bm25ChunkIndexer>(sp => sp.GetRequiredService<Bm25ChunkIndexer>()));
        services.TryAddSingleton<IDocumentFilterResolver>(sp => sp.GetService<IDocumentStore>() is { } store
            ? new DocumentStoreFilterResolver(store)
            : throw new InvalidOperationException("Search filters need an IDocumentStore registration."));
        services.TryAddSingleton(sp => new KeywordSearcher(
            sp.GetRequiredService<IKeywordIndex>(),
            sp.GetService<IDocumentStore>() is null ? null : sp.GetRequiredService<IDocumentFilterResolver>()));
        services.TryAddSingleton(sp => new BeirEvaluator(sp.GetRequiredService<IOptions<Bm25Options>>().Value));
        services.AddOptions<SearchOptions>().BindConfiguration(SearchOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<SearchResultCache>();
        services.TryAddSingleton(sp => new IndexChangeObserver(
            sp.GetRequiredService<IKeywordIndex>(),
            sp.GetService<IVectorStore>(),
            sp.GetRequiredService<SearchResultCache>(),
            sp.GetRequiredService<IOptions<SearchOptions>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<SearchService>();
        services.TryAddSingleton<FollowUpRetriever>();
        return services;
    }

    /// <summary>
    /// Adds what retrieval does with models, each switched on by the model layer's <see cref="ModelCatalog"/> (call
    /// after <see cref="AddRetrieval"/> and <c>AddModels</c>): with an <c>embedding</c> profile, the
    /// <see cref="EmbeddingChunkIndexer"/> (the ingestion pipeline's <c>embedding</c> stage) and <see cref="DenseRetriever"/>
    /// over an <see cref="IVectorStore"/> (unless another backend registered one first, a persisted per-tenant
    /// <see cref="VectorIndexCatalog"/> under <paramref name="dataDirectory"/>); a reranker
    /// chosen by <see cref="SearchOptions.Reranker"/> (<see cref="HttpReranker"/> for a <c>rerank</c> profile,
    /// <see cref="LlmPointwiseReranker"/> for a chat model); and <see cref="LlmQueryRewriter"/> for <c>expand: "llm"</c>
    /// when a chat model is configured. <see cref="SearchService"/> is built with exactly the configured ones, so with no
    /// model it searches BM25 only and says so. Options: <c>AgentRag:Retrieval:Vectors</c>, <c>AgentRag:Retrieval:Dense</c>, validated at startup.
    /// </summary>
    public static IServiceCollection AddModelRetrieval(this IServiceCollection services, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        services.AddOptions<VectorIndexOptions>().BindConfiguration(VectorIndexOptions.SectionName).ValidateOnStart()
            .Validate(
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
                $"{VectorIndexOptions.SectionName}: ExactSearchLimit must not be negative, JournalSnapshotBytes ≥ 1024, Hnsw:M in [2, 128], Hnsw:EfConstruction and Hnsw:EfSearch in [1, 4096].");
        services.AddOptions<DenseRetrievalOptions>().BindConfiguration(DenseRetrievalOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        services.TryAddSingleton<IVectorStore>(sp => new VectorIndexCatalog(
            dataDirectory, sp.GetRequiredService<IOptions<VectorIndexOptions>>().Value, sp.GetService<ILogger<VectorIndexCatalog>>()));
        services.TryAddSingleton<EmbeddingChunkIndexer>();
        // Always in the pipeline's list; its Stage is null (skipped) while no embedding model is configured.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChunkIndexer, EmbeddingChunkIndexer>(sp => sp.GetRequiredService<EmbeddingChunkIndexer>()));
        services.TryAddSingleton<DenseRetriever>();
        services.TryAddSingleton(sp => new HttpReranker(
            sp.GetRequiredService<ModelCatalog>().Get(ModelProfileNames.Rerank),
            sp.GetRequiredService<ModelResiliencePipelines>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IUsageStore>(),
            logger: sp.GetService<ILogger<HttpReranker>>()));
        services.TryAddSingleton(sp =>
        {
            var catalog = sp.GetRequiredService<ModelCatalog>();
            var options = sp.GetRequiredService<IOptions<SearchOptions>>().Value;
            return new LlmPointwiseReranker(
                sp.GetRequiredService<IChatClient>(),
                sp.GetRequiredService<PromptCatalog>(),
                catalog.IsConfigured(ModelProfileNames.Rerank) ? ModelProfileNames.Rerank : null,
                options.LlmRerankConcurrency,
                sp.GetService<ILogger<LlmPointwiseReranker>>());
        });
        services.TryAddSingleton(sp => new LlmQueryRewriter(sp.GetRequiredService<IChatClient>(), sp.GetRequiredService<PromptCatalog>()));

        services.Replace(ServiceDescriptor.Singleton(sp =>
        {
            var catalog = sp.GetRequiredService<ModelCatalog>();
            var options = sp.GetRequiredService<IOptions<SearchOptions>>();
            IDenseRetriever[] dense = catalog.IsEmbeddingAvailable ? [sp.GetRequiredService<DenseRetriever>()] : [];
            IQueryRewriter[] rewriters = catalog.IsChatAvailable ? [sp.GetRequiredService<LlmQueryRewriter>()] : [];
            return new SearchService(
                sp.GetRequiredService<KeywordSearcher>(),
                sp.GetRequiredService<IDocumentStore>(),
                sp.GetRequiredService<IDocumentFilterResolver>(),
                options,
                dense,
                ChooseReranker(sp, catalog, options.Value.Reranker),
                rewriters,
                sp.GetRequiredService<SearchResultCache>(),
                sp.GetRequiredService<IndexChangeObserver>());
        }));
        return services;
    }

    /// <summary>The reranker <see cref="SearchOptions.Reranker"/> asks for, if its model is configured.</summary>
    private static IReranker[] ChooseReranker(IServiceProvider services, ModelCatalog catalog, string choice)
    {
        var http = catalog.IsConfigured(ModelProfileNames.Rerank);
        var llm = catalog.IsChatAvailable || catalog.IsConfigured(ModelProfileNames.Rerank);
        return choice switch
        {
            "none" => [],
            "http" => http ? [services.GetRequiredService<HttpReranker>()] : [],
            "llm" => llm ? [services.GetRequiredService<LlmPointwiseReranker>()] : [],
            _ when http => [services.GetRequiredService<HttpReranker>()],
            _ when catalog.IsChatAvailable => [services.GetRequiredService<LlmPointwiseReranker>()],
            _ => [],
        };
    }
}
