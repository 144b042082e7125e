using AgentRag.Models.Configuration;

namespace AgentRag.Models.OpenAi;

/// <summary>
/// Bounds each wait on the provider (a request, or one read of a stream) by the profile's <c>Timeout</c>, on the
/// injected clock. <see cref="Token"/> is cancelled by the caller's token or when a wait started with
/// <see cref="Start"/> runs out; only the latter counts as a timeout (<see cref="OpenAiErrors.Translate"/> tells them
/// apart by the caller's token). Not thread-safe: one call's waits are sequential.
/// </summary>
internal sealed class ProviderWaitTimeout : IDisposable
{
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _linked;
    private readonly TimeSpan _limit;

    public ProviderWaitTimeout(ModelProfile profile, TimeProvider timeProvider, CancellationToken callerToken)
    {
        _limit = profile.Timeout;
        _timeout = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, _timeout.Token);
    }

    /// <summary>The token to pass to the provider call.</summary>
    public CancellationToken Token => _linked.Token;

    /// <summary>Starts the clock for one wait.</summary>
    public void Start() => _timeout.CancelAfter(_limit);

    /// <summary>Stops the clock once the wait is over (a no-op once it has run out).</summary>
    public void Stop() => _timeout.CancelAfter(Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        _linked.Dispose();
        _timeout.Dispose();
    }
}
