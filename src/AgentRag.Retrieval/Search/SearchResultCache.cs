using System.Collections.Concurrent;
using System.Text.Json;
using AgentRag.Core.Documents;
using AgentRag.Core.Serialization;
using AgentRag.Core.Storage;
using AgentRag.Models.Caching;
using Microsoft.Extensions.Options;

namespace AgentRag.Retrieval.Search;

/// <summary>
/// Caches search responses by tenant, normalized query, k, mode, filters, rerank and expansion, for
/// <see cref="SearchOptions.ResultCacheTtl"/> (5 minutes), and lets identical concurrent searches share one execution
/// (single flight). A tenant's entries are invalidated whenever its index changes (<see cref="Invalidate"/>, called by
/// <see cref="SearchCacheInvalidator"/> and when a document becomes ready). A failed search is never cached.
/// Thread-safe.
/// </summary>
public sealed class SearchResultCache
{
    private readonly TtlCache<Task<SearchResponse>> _entries;
    private readonly ConcurrentDictionary<string, long> _versions = new(StringComparer.Ordinal);
    private readonly bool _enabled;

    public SearchResultCache(IOptions<SearchOptions> options, TimeProvider time)
    {
        var settings = options.Value;
        _enabled = settings.ResultCacheTtl > TimeSpan.Zero;
        _entries = new TtlCache<Task<SearchResponse>>("search", settings.ResultCacheTtl, settings.ResultCacheEntries, time);
    }

    /// <summary>Hits, misses and entries since the process started.</summary>
    public CacheStatistics Statistics => _entries.Statistics;

    /// <summary>Returns the cached (or in-flight) response for an identical search, or runs <paramref name="search"/>.</summary>
    public Task<SearchResponse> GetOrSearchAsync(string tenantId, SearchRequest request, Func<Task<SearchResponse>> search)
    {
        if (!_enabled)
        {
            return search();
        }

        var key = Key(tenantId, request);
        if (_entries.TryGet(key, out var cached) && !cached.IsFaulted && !cached.IsCanceled)
        {
            return cached;
        }

        var running = search();
        _entries.Set(key, running);
        _ = running.ContinueWith(
            t => _entries.Invalidate(key),
            CancellationToken.None,
            TaskContinuationOptions.NotOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return running;
    }

    /// <summary>Drops every cached response of the tenant: its index or its set of ready documents changed.</summary>
    public void Invalidate(string tenantId)
    {
        _versions.AddOrUpdate(tenantId, 1, (_, version) => version + 1);
        _entries.Invalidate(tenantId + "\n");
    }

    private string Key(string tenantId, SearchRequest request)
    {
        var version = _versions.GetValueOrDefault(tenantId);
        var query = string.Join(' ', request.Query.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var filters = request.Filters is null ? "" : JsonSerializer.Serialize(request.Filters, AgentRagJson.Options);
        return string.Join('\n', tenantId, version, query, request.K, request.Mode, request.Rerank, request.Expand ?? "", filters);
    }
}

/// <summary>
/// An <see cref="IChunkIndexer"/> that indexes nothing itself: it invalidates the tenant's cached search results when
/// a document's chunks are indexed or removed (reprocessing, failure, deletion). Registered after the real indexers.
/// </summary>
public sealed class SearchCacheInvalidator(SearchResultCache cache) : IChunkIndexer
{
    public Task IndexAsync(string tenantId, string documentId, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken = default)
    {
        cache.Invalidate(tenantId);
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string tenantId, string documentId, CancellationToken cancellationToken = default)
    {
        cache.Invalidate(tenantId);
        return Task.CompletedTask;
    }
}
