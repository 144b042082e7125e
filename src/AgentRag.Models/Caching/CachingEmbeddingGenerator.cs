using AgentRag.Core;
using AgentRag.Core.Search;
using AgentRag.Models.Calls;
using AgentRag.Models.Telemetry;
using Microsoft.Extensions.AI;

namespace AgentRag.Models.Caching;

/// <summary>
/// The embedding cache, in two tiers keyed alike by scope, model and SHA-256 of the text: the in-memory tier of
/// <see cref="ModelCaches"/> (24 h TTL by default), then the persistent <see cref="IEmbeddingCache"/> when the storage
/// backend provides one (so a text is embedded once per model, across restarts: re-ingesting, reprocessing, a crash in
/// the middle of a document, <c>eval</c>'s corpus). The scope is the call's explicit one
/// (<see cref="ModelCallOptions.WithCacheScope"/>, e.g. a dataset's corpus), else the tenant of its
/// <see cref="ModelCallContext"/>. Only the texts neither tier holds go to the inner generator, in one call, each distinct
/// text once; results keep input order, and what was generated is stored in both tiers before the call returns. Hits cost
/// nothing and record no usage. Thread-safe.
/// </summary>
public sealed class CachingEmbeddingGenerator(
    IEmbeddingGenerator<string, Embedding<float>> innerGenerator, string model, ModelCaches caches, IEmbeddingCache? persistentCache = null)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(innerGenerator)
{
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var inputs = values as IReadOnlyList<string> ?? values.ToList();
        if (!caches.EmbeddingSettings.Enabled)
        {
            return await base.GenerateAsync(inputs, options, cancellationToken);
        }

        var scope = Scope(options);
        var cacheModel = CacheModelKey(model, options?.Dimensions);
        var results = new Embedding<float>?[inputs.Count];
        var hashes = new string[inputs.Count];
        var missing = new List<int>();
        for (var i = 0; i < inputs.Count; i++)
        {
            hashes[i] = EmbeddingCacheScope.HashText(inputs[i]);
            if (caches.Embeddings.TryGet(MemoryKey(scope, cacheModel, hashes[i]), out var vector))
            {
                ModelsTelemetry.RecordCacheLookup("embedding", hit: true);
                results[i] = new Embedding<float>(vector) { ModelId = model };
            }
            else
            {
                missing.Add(i);
            }
        }

        if (missing.Count > 0 && persistentCache is not null && scope is { } lookupScope)
        {
            var found = await persistentCache.GetManyAsync(lookupScope, cacheModel, [.. missing.Select(i => hashes[i])], cancellationToken);
            if (found.Count > 0)
            {
                missing.RemoveAll(i =>
                {
                    if (!found.TryGetValue(hashes[i], out var vector))
                    {
                        return false;
                    }

                    caches.Embeddings.Set(MemoryKey(scope, cacheModel, hashes[i]), vector);
                    results[i] = new Embedding<float>(vector) { ModelId = model };
                    ModelsTelemetry.RecordCacheLookup("embedding.persistent", hit: true);
                    return true;
                });
            }
        }

        foreach (var _ in missing)
        {
            ModelsTelemetry.RecordCacheLookup("embedding", hit: false);
        }

        UsageDetails? usage = null;
        if (missing.Count > 0)
        {
            // Each distinct text is sent once even when it repeats in the input.
            var distinct = missing.Select(i => inputs[i]).Distinct(StringComparer.Ordinal).ToList();
            var generated = await base.GenerateAsync(distinct, options, cancellationToken);
            if (generated.Count != distinct.Count)
            {
                return generated; // a malformed answer: the caller reports the wrong count, and nothing of it is cached
            }

            usage = generated.Usage;
            var byText = new Dictionary<string, Embedding<float>>(StringComparer.Ordinal);
            var toStore = new List<CachedEmbedding>(distinct.Count);
            for (var j = 0; j < distinct.Count; j++)
            {
                var hash = EmbeddingCacheScope.HashText(distinct[j]);
                byText[distinct[j]] = generated[j];
                caches.Embeddings.Set(MemoryKey(scope, cacheModel, hash), generated[j].Vector);
                if (generated[j].Vector.Length > 0)
                {
                    toStore.Add(new CachedEmbedding(hash, generated[j].Vector.ToArray()));
                }
            }

            if (persistentCache is not null && scope is { } persistentScope && toStore.Count > 0)
            {
                await persistentCache.PutManyAsync(persistentScope, cacheModel, toStore, cancellationToken);
            }

            foreach (var i in missing)
            {
                results[i] = byText[inputs[i]];
            }
        }

        return new GeneratedEmbeddings<Embedding<float>>(results!) { Usage = usage };
    }

    /// <summary>The model key of the entries of calls to <paramref name="model"/> (with <paramref name="dimensions"/> when the call asks for a size).</summary>
    public static string CacheModelKey(string model, int? dimensions) => dimensions is { } size ? $"{model}@{size}" : model;

    /// <summary>The scope of the call's entries; null when the context's tenant id is not one (the memory tier is then keyed by it as given).</summary>
    private static EmbeddingCacheScope? Scope(EmbeddingGenerationOptions? options) =>
        options.GetCacheScope() ?? (options.GetContext().TenantId is var tenantId && Tenancy.IsValidTenantId(tenantId)
            ? EmbeddingCacheScope.ForTenant(tenantId)
            : null);

    /// <summary>The memory tier's key: scope first, so a tenant's entries are dropped by prefix (<see cref="ModelCaches.InvalidateEmbeddings"/>).</summary>
    internal static string MemoryKey(EmbeddingCacheScope? scope, string model, string textHash) => $"{scope?.Key}|{model}|{textHash}";
}
