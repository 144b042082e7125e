using System.ComponentModel.DataAnnotations;

namespace AgentRag.Models.Caching;

/// <summary>Model-layer caches (<c>AgentRag:Models:Cache</c>).</summary>
public sealed class ModelCacheOptions
{
    /// <summary>Embeddings by model and SHA-256 of the text. On by default.</summary>
    public CacheSettings Embeddings { get; set; } = new() { Enabled = true, Ttl = TimeSpan.FromHours(24), MaxEntries = 100_000 };

    /// <summary>Exact-match chat responses (same tenant, profile, messages and parameters). Off by default.</summary>
    public CacheSettings Responses { get; set; } = new() { Enabled = false, Ttl = TimeSpan.FromHours(1), MaxEntries = 1_000 };
}

/// <summary>One in-memory cache's settings.</summary>
public sealed class CacheSettings
{
    public bool Enabled { get; set; }

    /// <summary>How long an entry is served after it was stored.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan Ttl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Most entries kept; the oldest are evicted beyond it.</summary>
    [Range(1, 10_000_000)]
    public int MaxEntries { get; set; } = 10_000;
}
