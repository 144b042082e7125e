using System.ComponentModel.DataAnnotations;

namespace AgentRag.Models.Resilience;

/// <summary>
/// Retry, circuit-breaker and timeout settings shared by every profile (<c>AgentRag:Models:Resilience</c>). Each profile
/// gets its own breaker; the per-attempt timeout is the profile's <c>Timeout</c>.
/// </summary>
public sealed class ModelResilienceOptions
{
    /// <summary>Retries after the first attempt on 429, 408, 5xx, timeouts and connection errors.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first backoff delay; later ones double (1 s, 2 s, 4 s) with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait before a retry: a longer <c>Retry-After</c> (or backoff) is cut to this.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Consecutive failed attempts (within <see cref="SamplingDuration"/>) that open a profile's breaker.</summary>
    [Range(2, 1000)]
    public int BreakerFailureThreshold { get; set; } = 5;

    /// <summary>The window in which <see cref="BreakerFailureThreshold"/> failures with no success open the breaker.</summary>
    [Range(typeof(TimeSpan), "00:00:00.5", "01:00:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open breaker refuses calls before letting one trial call through (half-open).</summary>
    [Range(typeof(TimeSpan), "00:00:00.5", "01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}
