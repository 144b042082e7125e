namespace AgentRag.Storage.Sqlite.Data;

/// <summary>One unit of work in the writer queue. The writer calls TryStart, Run, then Succeed or Fail exactly once.</summary>
internal abstract class WriteItem
{
    /// <summary>False when the item was cancelled while queued; the writer then skips it.</summary>
    public abstract bool TryStart();

    public abstract void Run(SqliteConnection connection);

    public abstract void Succeed();

    /// <summary>Reports the failure to the caller; false when nobody awaits it (fire-and-forget).</summary>
    public abstract bool Fail(Exception exception);
}

/// <summary>A write whose caller awaits its committed result.</summary>
internal sealed class AwaitedWriteItem<T> : WriteItem
{
    private const int Queued = 0;
    private const int Started = 1;
    private const int Cancelled = 2;

    private readonly Func<SqliteConnection, T> _work;
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenRegistration _cancellation;
    private int _state;
    private T? _result;

    public AwaitedWriteItem(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        _work = work;
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((AwaitedWriteItem<T>)state!).Cancel(token), this);
        }
    }

    public Task<T> Task => _completion.Task;

    public override bool TryStart()
    {
        _cancellation.Unregister();
        return Interlocked.CompareExchange(ref _state, Started, Queued) == Queued;
    }

    public override void Run(SqliteConnection connection) => _result = _work(connection);

    public override void Succeed() => _completion.TrySetResult(_result!);

    public override bool Fail(Exception exception)
    {
        _completion.TrySetException(exception);
        return true;
    }

    /// <summary>Withdraws the item if the writer has not started it; once started, it runs to completion.</summary>
    public void Cancel(CancellationToken token)
    {
        if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued)
        {
            _completion.TrySetCanceled(token);
        }
    }
}

/// <summary>A fire-and-forget write: failures are logged and counted, not reported to the producer.</summary>
internal sealed class QueuedWriteItem<TState>(TState state, Action<SqliteConnection, TState> work) : WriteItem
{
    public override bool TryStart() => true;

    public override void Run(SqliteConnection connection) => work(connection, state);

    public override void Succeed()
    {
    }

    public override bool Fail(Exception exception) => false;
}
