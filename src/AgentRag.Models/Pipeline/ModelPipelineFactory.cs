using AgentRag.Core.Search;
using AgentRag.Core.Usage;
using AgentRag.Models.Budgets;
using AgentRag.Models.Caching;
using AgentRag.Models.Configuration;
using AgentRag.Models.Logging;
using AgentRag.Models.OpenAi;
using AgentRag.Models.Resilience;
using AgentRag.Models.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Models.Pipeline;

/// <summary>
/// Composes the decorated clients in the product's order. Chat, outermost first: logging → exact-match response cache →
/// budgets → fallback → per-profile dispatch → usage tracking → resilience (retry, breaker, timeout) → checked OpenAI
/// client (<see cref="OpenAiCheckedChatClient"/> over Microsoft.Extensions.AI.OpenAI). Embeddings: logging → embedding
/// cache → budgets → usage tracking → resilience → checked OpenAI generator (<see cref="OpenAiCheckedEmbeddingGenerator"/>);
/// for an in-process model (<see cref="ModelProfile.IsLocal"/>) the innermost link is the local generator the
/// <c>AgentRag.Models.Local</c> adapter registers, with no resilience (nothing transient to retry) and usage at cost 0.
/// </summary>
internal static class ModelPipelineFactory
{
    public static IChatClient CreateChatClient(IServiceProvider services)
    {
        var catalog = services.GetRequiredService<ModelCatalog>();
        var clients = catalog.Profiles
            .Where(p => !p.Name.Equals(ModelProfileNames.Embedding, StringComparison.OrdinalIgnoreCase))
            .ToDictionary(p => p.Name, p => CreateProfileChatClient(services, p, resilient: true), StringComparer.OrdinalIgnoreCase);
        IChatClient client = new ProfileChatClient(catalog, clients);
        client = new FallbackChatClient(client, catalog, services.GetService<ILogger<FallbackChatClient>>());
        client = new BudgetChatClient(client, catalog, services.GetRequiredService<BudgetLedger>(), services.GetRequiredService<IOptions<ModelsOptions>>(),
            services.GetService<ILogger<BudgetChatClient>>());
        client = new ResponseCachingChatClient(client, services.GetRequiredService<ModelCaches>());
        return new LoggingChatClient(client, Logger<LoggingChatClient>(services), services.GetRequiredService<TimeProvider>());
    }

    /// <summary>One profile's own chain: usage tracking over (optionally) resilience over the checked OpenAI client.</summary>
    public static IChatClient CreateProfileChatClient(IServiceProvider services, ModelProfile profile, bool resilient)
    {
        IChatClient client = OpenAiClientFactory.CreateChatClient(profile, services.GetRequiredService<TimeProvider>());
        if (resilient)
        {
            client = new ResilientChatClient(client, profile, services.GetRequiredService<ModelResiliencePipelines>());
        }

        return new UsageTrackingChatClient(client, profile, services.GetRequiredService<IUsageStore>(), services.GetRequiredService<TimeProvider>(),
            services.GetService<ILogger<UsageTrackingChatClient>>());
    }

    public static IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddingGenerator(IServiceProvider services)
    {
        var catalog = services.GetRequiredService<ModelCatalog>();
        if (!catalog.TryGet(ModelProfileNames.Embedding, out var profile))
        {
            return new UnconfiguredEmbeddingGenerator(catalog);
        }

        var generator = CreateProfileEmbeddingGenerator(services, profile, resilient: true);
        generator = new BudgetEmbeddingGenerator(generator, profile, services.GetRequiredService<BudgetLedger>(), services.GetService<ILogger<BudgetEmbeddingGenerator>>());
        generator = new CachingEmbeddingGenerator(generator, profile.Model, services.GetRequiredService<ModelCaches>(), services.GetService<IEmbeddingCache>());
        return new LoggingEmbeddingGenerator(generator, Logger<LoggingEmbeddingGenerator>(services), services.GetRequiredService<TimeProvider>());
    }

    public static IEmbeddingGenerator<string, Embedding<float>> CreateProfileEmbeddingGenerator(IServiceProvider services, ModelProfile profile, bool resilient)
    {
        if (profile.IsLocal)
        {
            var local = services.GetKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(LocalEmbeddingModel.GeneratorServiceKey)
                ?? throw new ModelUnavailableException(profile.Name,
                    $"The embedding profile is the in-process model {profile.Model} ({EmbeddingsOptions.SectionName}:Provider local), but this host did not register "
                    + $"the local embedding adapter (AgentRag.Models.Local, AddLocalEmbeddings). Set {EmbeddingsOptions.SectionName}:Provider to none or openai, or register it.");
            return new UsageTrackingEmbeddingGenerator(new NonOwningEmbeddingGenerator(local), profile, services.GetRequiredService<IUsageStore>(),
                services.GetRequiredService<TimeProvider>(), services.GetService<ILogger<UsageTrackingEmbeddingGenerator>>());
        }

        var generator = OpenAiClientFactory.CreateEmbeddingGenerator(profile, services.GetRequiredService<TimeProvider>());
        if (resilient)
        {
            generator = new ResilientEmbeddingGenerator(generator, profile, services.GetRequiredService<ModelResiliencePipelines>());
        }

        return new UsageTrackingEmbeddingGenerator(generator, profile, services.GetRequiredService<IUsageStore>(), services.GetRequiredService<TimeProvider>(),
            services.GetService<ILogger<UsageTrackingEmbeddingGenerator>>());
    }

    private static ILogger<T> Logger<T>(IServiceProvider services) =>
        services.GetService<ILogger<T>>() ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<T>.Instance;

    /// <summary>Passes calls to the shared local generator but leaves its disposal to the container that owns it (probes dispose their chains).</summary>
    private sealed class NonOwningEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner)
        : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
    {
        protected override void Dispose(bool disposing)
        {
        }
    }

    /// <summary>Stands in when no embedding model is configured; every call throws <see cref="ModelUnavailableException"/> naming the setting.</summary>
    private sealed class UnconfiguredEmbeddingGenerator(ModelCatalog catalog) : IEmbeddingGenerator<string, Embedding<float>>
    {
        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
            IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromException<GeneratedEmbeddings<Embedding<float>>>(GetError());

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose()
        {
        }

        private ModelUnavailableException GetError()
        {
            try
            {
                catalog.Get(ModelProfileNames.Embedding);
            }
            catch (ModelUnavailableException ex)
            {
                return ex;
            }

            return new ModelUnavailableException(ModelProfileNames.Embedding, "The embedding profile is not configured.");
        }
    }
}
