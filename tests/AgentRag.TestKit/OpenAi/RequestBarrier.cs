namespace AgentRag.TestKit.OpenAi;

/// <summary>
/// A rendezvous for requests to <see cref="OpenAiTestServer"/>, to prove that a client sends them concurrently. The
/// server holds each request answered by a <see cref="ScriptedResponse.HeldUntil"/> script until
/// <see cref="Participants"/> such requests are waiting together; then the barrier opens and all of them are answered.
/// A request that has waited <see cref="Timeout"/> (on the server's <see cref="OpenAiTestServer.Clock"/>) stops waiting
/// and gets a 504, so a client that sends the requests one after another sees a failure rather than a hang. It opens
/// once: later requests pass straight through. Thread-safe.
/// </summary>
public sealed class RequestBarrier
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _waiting;
    private int _mostWaiting;

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="participants"/> is below 1 or <paramref name="timeout"/> is not positive.</exception>
    public RequestBarrier(int participants, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(participants, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        Participants = participants;
        Timeout = timeout;
    }

    /// <summary>How many requests must wait together for the barrier to open.</summary>
    public int Participants { get; }

    /// <summary>How long one request waits before it gives up.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>True once <see cref="Participants"/> requests have waited together.</summary>
    public bool IsOpen => _opened.Task.IsCompleted;

    /// <summary>The most requests that were waiting at the same time.</summary>
    public int MostWaiting
    {
        get
        {
            lock (_gate)
            {
                return _mostWaiting;
            }
        }
    }

    /// <summary>Waits until the barrier opens; false when <see cref="Timeout"/> passed first (the request no longer counts as waiting).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the client went away).</exception>
    internal async Task<bool> WaitAsync(TimeProvider clock, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (IsOpen)
            {
                return true;
            }

            _waiting++;
            _mostWaiting = Math.Max(_mostWaiting, _waiting);
            if (_waiting >= Participants)
            {
                _opened.TrySetResult();
                return true;
            }
        }

        try
        {
            await _opened.Task.WaitAsync(Timeout, clock, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return Leave();
        }
        catch (OperationCanceledException)
        {
            Leave();
            throw;
        }
    }

    /// <summary>Stops counting a request as waiting; true when the barrier opened meanwhile (it counted for the opening).</summary>
    private bool Leave()
    {
        lock (_gate)
        {
            if (IsOpen)
            {
                return true;
            }

            _waiting--;
            return false;
        }
    }
}
