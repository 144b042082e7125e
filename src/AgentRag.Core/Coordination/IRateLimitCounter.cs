namespace AgentRag.Core.Coordination;

/// <summary>
/// Fixed-window request counters shared by every process on one backend (the replicas of a cluster), so a rate limit
/// holds across them. A counter is named by an opaque key (the caller and route group) and counts permits in one window
/// at a time: a count in a later window replaces the earlier window's. Implementations are thread-safe, and
/// <see cref="TryCountAsync"/> is atomic across processes: concurrent callers never count past the limit.
/// </summary>
public interface IRateLimitCounter
{
    /// <summary>
    /// Adds <paramref name="permits"/> to <paramref name="key"/>'s count in the window that ends at
    /// <paramref name="windowEnd"/>, unless that would pass <paramref name="limit"/>; returns whether they were counted.
    /// A window that ended before the counter's current one counts into the current one (a replica whose clock lags), so
    /// a lagging clock can never reset a count. Throws <see cref="ArgumentOutOfRangeException"/> when
    /// <paramref name="permits"/> is below 1 or above <paramref name="limit"/>, and the backend's exceptions when it is
    /// unreachable.
    /// </summary>
    ValueTask<bool> TryCountAsync(string key, DateTimeOffset windowEnd, int permits, int limit, CancellationToken cancellationToken = default);
}
