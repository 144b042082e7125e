namespace AgentRag.Models.Caching;

/// <summary>
/// A bounded in-memory cache (used by the model layer and the search-result cache) whose entries expire <c>ttl</c> after they were stored (on the injected clock). Beyond
/// <c>maxEntries</c> the oldest entries are evicted. Counts hits and misses. Thread-safe.
/// </summary>
public sealed class TtlCache<TValue>(string name, TimeSpan ttl, int maxEntries, TimeProvider timeProvider)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _byAge = new();
    private long _hits;
    private long _misses;

    public string Name { get; } = name;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    public CacheStatistics Statistics => new(Name, Interlocked.Read(ref _hits), Interlocked.Read(ref _misses), Count);

    public bool TryGet(string key, out TValue value)
    {
        var now = timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                if (node.Value.ExpiresAt > now)
                {
                    Interlocked.Increment(ref _hits);
                    value = node.Value.Value;
                    return true;
                }

                _entries.Remove(key);
                _byAge.Remove(node);
            }
        }

        Interlocked.Increment(ref _misses);
        value = default!;
        return false;
    }

    public void Set(string key, TValue value)
    {
        var entry = new Entry(key, value, timeProvider.GetUtcNow() + ttl);
        lock (_gate)
        {
            if (_entries.Remove(key, out var existing))
            {
                _byAge.Remove(existing);
            }

            _entries[key] = _byAge.AddLast(entry);
            while (_entries.Count > maxEntries && _byAge.First is { } oldest)
            {
                _byAge.RemoveFirst();
                _entries.Remove(oldest.Value.Key);
            }
        }
    }

    /// <summary>Removes every entry whose key starts with <paramref name="prefix"/> (all entries for an empty prefix).</summary>
    public int Invalidate(string prefix = "")
    {
        lock (_gate)
        {
            var keys = _entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            foreach (var key in keys)
            {
                _byAge.Remove(_entries[key]);
                _entries.Remove(key);
            }

            return keys.Count;
        }
    }

    private sealed record Entry(string Key, TValue Value, DateTimeOffset ExpiresAt);
}

/// <summary>Hit and miss counts of one cache since the process started.</summary>
public sealed record CacheStatistics(string Cache, long Hits, long Misses, int Entries)
{
    /// <summary>Hits ÷ lookups, or 0 before the first lookup.</summary>
    public double HitRate => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);
}
