using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using AgentRag.Models.Configuration;

namespace AgentRag.Models.Caching;

/// <summary>
/// The model layer's caches (embeddings; exact-match chat responses), shared by the decorators that use them, with
/// their hit rates (<see cref="Statistics"/>, also exported as the <c>agentrag.models.cache.lookups</c> metric).
/// Thread-safe.
/// </summary>
public sealed class ModelCaches
{
    public ModelCaches(IOptions<ModelsOptions> options, TimeProvider timeProvider)
    {
        var cache = options.Value.Cache;
        EmbeddingSettings = cache.Embeddings;
        ResponseSettings = cache.Responses;
        Embeddings = new TtlCache<ReadOnlyMemory<float>>("embedding", cache.Embeddings.Ttl, cache.Embeddings.MaxEntries, timeProvider);
        Responses = new TtlCache<ChatResponse>("response", cache.Responses.Ttl, cache.Responses.MaxEntries, timeProvider);
    }

    public CacheSettings EmbeddingSettings { get; }

    public CacheSettings ResponseSettings { get; }

    /// <summary>Hit rates of every cache.</summary>
    public IReadOnlyList<CacheStatistics> Statistics => [Embeddings.Statistics, Responses.Statistics];

    internal TtlCache<ReadOnlyMemory<float>> Embeddings { get; }

    internal TtlCache<ChatResponse> Responses { get; }

    /// <summary>
    /// Drops a tenant's embeddings from the in-memory tier (every scope's when null). Returns how many. The persistent tier
    /// (<c>IEmbeddingCache</c>) goes with the tenant's data (<c>ITenantDataStore.EraseAsync</c>).
    /// </summary>
    public int InvalidateEmbeddings(string? tenantId = null) => Embeddings.Invalidate(tenantId is null ? "" : tenantId + "|");

    /// <summary>Drops a tenant's cached chat responses (every tenant's when null). Returns how many.</summary>
    public int InvalidateResponses(string? tenantId = null) => Responses.Invalidate(tenantId is null ? "" : tenantId + "|");
}
