using System.Threading.RateLimiting;

namespace AgentRag.Server.Limits;

/// <summary>
/// A fixed-window limiter whose windows come from a <see cref="TimeProvider"/>: window <c>n</c> covers
/// <c>[n·Window, (n+1)·Window)</c> since the Unix epoch, so a fake clock moves it and nothing needs a timer.
/// (System.Threading.RateLimiting's own limiters replenish on a real timer or, when replenished by hand, still measure
/// the window with <see cref="System.Diagnostics.Stopwatch"/>.) Requests are never queued: one over the limit is
/// refused at once with <see cref="MetadataName.RetryAfter"/> set to the end of the window. Thread-safe.
/// </summary>
internal sealed class ClockFixedWindowRateLimiter : RateLimiter
{
    private readonly TimeProvider _time;
    private readonly int _permitLimit;
    private readonly TimeSpan _window;
    private readonly Lock _lock = new();
    private long _windowNumber = long.MinValue;
    private int _used;
    private long _successful;
    private long _failed;

    public ClockFixedWindowRateLimiter(TimeProvider time, int permitLimit, TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permitLimit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.FromTicks(1));
        _time = time;
        _permitLimit = permitLimit;
        _window = window;
    }

    /// <summary>Null while the current window has permits in use (the partitioned limiter must keep this one); else how long it has been unused.</summary>
    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_lock)
            {
                var now = Ticks();
                if (now / _window.Ticks == _windowNumber && _used > 0)
                {
                    return null;
                }

                var lastEnd = _windowNumber == long.MinValue ? now : (_windowNumber + 1) * _window.Ticks;
                return TimeSpan.FromTicks(Math.Max(0, now - lastEnd));
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_lock)
        {
            Roll();
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = _permitLimit - _used,
                CurrentQueuedCount = 0,
                TotalSuccessfulLeases = _successful,
                TotalFailedLeases = _failed,
            };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, _permitLimit);
        lock (_lock)
        {
            var now = Roll();
            if (_used + permitCount <= _permitLimit)
            {
                _used += permitCount;
                _successful++;
                return WindowLease.Granted;
            }

            _failed++;
            var windowEnd = (_windowNumber + 1) * _window.Ticks;
            return new WindowLease(false, TimeSpan.FromTicks(windowEnd - now));
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    /// <summary>Starts a new window when the clock has left the current one; returns now in ticks. Call under the lock.</summary>
    private long Roll()
    {
        var now = Ticks();
        var number = now / _window.Ticks;
        if (number != _windowNumber)
        {
            _windowNumber = number;
            _used = 0;
        }

        return now;
    }

    private long Ticks() => _time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
}

/// <summary>A fixed window's lease: granted, or refused with <see cref="MetadataName.RetryAfter"/> when the window's end is known.</summary>
internal sealed class WindowLease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
{
    public static RateLimitLease Granted { get; } = new WindowLease(true, null);

    public override bool IsAcquired => acquired;

    public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        metadata = retryAfter;
        return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
    }
}
