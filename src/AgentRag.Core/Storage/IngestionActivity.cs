namespace AgentRag.Core.Storage;

/// <summary>
/// How many documents this process is taking to <c>ready</c> (extracting, chunking, indexing) right now, so that the
/// background embedding stage can yield to them: it waits for <see cref="WaitUntilIdleAsync"/> before each batch, and so
/// never starves the keyword path of CPU (ADR 0027). Thread-safe.
/// </summary>
public sealed class IngestionActivity
{
    private readonly object _gate = new();
    private int _active;
    private int _waiting;
    private TaskCompletionSource _idle = NewIdle(completed: true);

    /// <summary>Documents being taken to ready now.</summary>
    public int Active
    {
        get
        {
            lock (_gate)
            {
                return _active;
            }
        }
    }

    /// <summary>Callers waiting in <see cref="WaitUntilIdleAsync"/> now (the embedding stage, held back).</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Marks one document as being taken to ready until the returned scope is disposed.</summary>
    public IDisposable Begin()
    {
        lock (_gate)
        {
            if (_active++ == 0)
            {
                _idle = NewIdle(completed: false);
            }
        }

        return new Scope(this);
    }

    /// <summary>Completes at once when no document is being taken to ready, else when the last one finishes.</summary>
    public Task WaitUntilIdleAsync(CancellationToken cancellationToken = default)
    {
        Task idle;
        lock (_gate)
        {
            idle = _idle.Task;
        }

        return idle.IsCompleted ? Task.CompletedTask : WaitAsync(idle, cancellationToken);
    }

    private async Task WaitAsync(Task idle, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            await idle.WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private void End()
    {
        lock (_gate)
        {
            if (--_active == 0)
            {
                _idle.TrySetResult();
            }
        }
    }

    private static TaskCompletionSource NewIdle(bool completed)
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed)
        {
            source.TrySetResult();
        }

        return source;
    }

    private sealed class Scope(IngestionActivity owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.End();
            }
        }
    }
}
