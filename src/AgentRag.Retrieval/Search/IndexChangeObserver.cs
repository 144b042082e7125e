using System.Collections.Concurrent;
using AgentRag.Core.Search;
using Microsoft.Extensions.Options;

namespace AgentRag.Retrieval.Search;

/// <summary>
/// Makes searches see index changes that other processes made to the data folder, such as <c>agentrag ingest</c> or
/// <c>agentrag docs delete</c> beside a running server: before a tenant's search, at most once per
/// <see cref="SearchOptions.IndexChangeCheckInterval"/> on the injected clock, it asks the keyword and vector indexes to
/// apply what changed on disk (two file-system stats each when nothing did) and, when anything did, drops the tenant's
/// cached search results, then once more at the next check: the other process marks a document ready in the database
/// just after indexing it, and a search cached in between would otherwise miss it. Thread-safe.
/// </summary>
public sealed class IndexChangeObserver(
    IKeywordIndex keyword, IVectorStore? vectors, SearchResultCache cache, IOptions<SearchOptions> options, TimeProvider time)
{
    private readonly TimeSpan _interval = options.Value.IndexChangeCheckInterval;
    private readonly ConcurrentDictionary<string, (long At, bool Changed)> _lastChecks = new(StringComparer.Ordinal);

    /// <summary>
    /// Applies other processes' changes to the tenant's indexes if the last check is at least the interval old.
    /// Returns true when something changed (and the tenant's cached results were dropped).
    /// </summary>
    public async Task<bool> ObserveAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var now = time.GetTimestamp();
        var known = _lastChecks.TryGetValue(tenantId, out var last);
        if (known && time.GetElapsedTime(last.At, now) < _interval)
        {
            return false;
        }

        _lastChecks[tenantId] = (now, false);
        var changed = await keyword.RefreshAsync(tenantId, cancellationToken);
        changed |= vectors is not null && await vectors.RefreshAsync(tenantId, cancellationToken);
        _lastChecks[tenantId] = (now, changed);
        if (changed || (known && last.Changed))
        {
            cache.Invalidate(tenantId);
        }

        return changed;
    }
}
