using System.Threading.RateLimiting;
using AgentRag.Core.Coordination;

namespace AgentRag.Server.Limits;

/// <summary>
/// The cluster's fixed-window limiter of one caller and route group: permits are counted in an
/// <see cref="IRateLimitCounter"/> that every replica shares, in the windows of <see cref="ClockFixedWindowRateLimiter"/>
/// (<c>[n·Window, (n+1)·Window)</c> since the Unix epoch on the injected clock), so a caller gets the limit once across
/// the cluster, not once per replica. Counting is I/O, so <see cref="RateLimiter.AttemptAcquire"/> (the synchronous
/// fast path) always refuses without counting and ASP.NET Core's middleware then awaits
/// <see cref="RateLimiter.AcquireAsync"/>, which counts. When the counter fails (the database is unreachable) the
/// request is counted by a process-local <see cref="ClockFixedWindowRateLimiter"/> with the same limit instead: the
/// limit fails open to per-replica, never to none, and never turns an outage of the store into refusals of its own.
/// Thread-safe.
/// </summary>
internal sealed partial class SharedFixedWindowRateLimiter : RateLimiter
{
    private static readonly RateLimitLease NotWithoutIo = new WindowLease(false, null);

    private readonly IRateLimitCounter _counter;
    private readonly string _key;
    private readonly TimeProvider _time;
    private readonly int _permitLimit;
    private readonly TimeSpan _window;
    private readonly ClockFixedWindowRateLimiter _fallback;
    private readonly ILogger _logger;
    private long _lastUsedTicks;
    private long _successful;
    private long _failed;

    public SharedFixedWindowRateLimiter(IRateLimitCounter counter, string key, TimeProvider time, int permitLimit, TimeSpan window, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permitLimit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.FromTicks(1));
        _counter = counter;
        _key = key;
        _time = time;
        _permitLimit = permitLimit;
        _window = window;
        _logger = logger;
        _fallback = new ClockFixedWindowRateLimiter(time, permitLimit, window);
        _lastUsedTicks = time.GetUtcNow().UtcTicks;
    }

    /// <summary>How long since this limiter last counted: its counts live in the shared counter, so forgetting it loses nothing but the fallback's.</summary>
    public override TimeSpan? IdleDuration =>
        _fallback.IdleDuration is null ? null : TimeSpan.FromTicks(Math.Max(0, _time.GetUtcNow().UtcTicks - Interlocked.Read(ref _lastUsedTicks)));

    public override RateLimiterStatistics? GetStatistics() => new()
    {
        CurrentAvailablePermits = 0, // known only to the shared counter
        CurrentQueuedCount = 0,
        TotalSuccessfulLeases = Interlocked.Read(ref _successful),
        TotalFailedLeases = Interlocked.Read(ref _failed),
    };

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, _permitLimit);
        return NotWithoutIo;
    }

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, _permitLimit);
        if (permitCount == 0)
        {
            return WindowLease.Granted;
        }

        var now = _time.GetUtcNow();
        Interlocked.Exchange(ref _lastUsedTicks, now.UtcTicks);
        var sinceEpoch = now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var windowEnd = DateTimeOffset.UnixEpoch.AddTicks((sinceEpoch / _window.Ticks + 1) * _window.Ticks);
        bool counted;
        try
        {
            counted = await _counter.TryCountAsync(_key, windowEnd, permitCount, _permitLimit, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogCounterFailed(_logger, ex);
            return _fallback.AttemptAcquire(permitCount);
        }

        if (counted)
        {
            Interlocked.Increment(ref _successful);
            return WindowLease.Granted;
        }

        Interlocked.Increment(ref _failed);
        return new WindowLease(false, windowEnd - now);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The shared rate-limit counter failed; this replica counts the caller on its own until it answers again")]
    private static partial void LogCounterFailed(ILogger logger, Exception exception);
}
