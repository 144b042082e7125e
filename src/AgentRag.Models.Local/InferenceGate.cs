namespace AgentRag.Models.Local;

/// <summary>
/// Lets one inference run at a time (the shared session already uses every thread it was given; two runs would only
/// thrash), and hands the turn to waiting interactive callers (a search query) before waiting background ones (a
/// batch of chunks), so a query waits for at most the batch in flight. Thread-safe.
/// </summary>
internal sealed class InferenceGate
{
    private readonly Lock _lock = new();
    private readonly LinkedList<TaskCompletionSource> _interactive = new();
    private readonly LinkedList<TaskCompletionSource> _background = new();
    private bool _held;

    /// <summary>Waits for the turn; dispose the result to pass it on. Throws <see cref="OperationCanceledException"/> when cancelled while waiting.</summary>
    public async ValueTask<Turn> EnterAsync(bool interactive, CancellationToken cancellationToken)
    {
        LinkedListNode<TaskCompletionSource> node;
        lock (_lock)
        {
            if (!_held)
            {
                _held = true;
                return new Turn(this);
            }

            node = (interactive ? _interactive : _background).AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        await using (cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                // Still queued: leave the queue. Already handed the turn: the await below completes and the caller owns it.
                if (node.List is not null)
                {
                    node.List.Remove(node);
                    node.Value.TrySetCanceled(cancellationToken);
                }
            }
        }))
        {
            await node.Value.Task.ConfigureAwait(false);
        }

        return new Turn(this);
    }

    private void Release()
    {
        TaskCompletionSource next;
        lock (_lock)
        {
            var queue = _interactive.First is not null ? _interactive : _background;
            if (queue.First is not { } first)
            {
                _held = false;
                return;
            }

            queue.RemoveFirst();
            next = first.Value;
        }

        next.SetResult();
    }

    /// <summary>The turn to run; disposing it passes the turn on.</summary>
    public readonly struct Turn(InferenceGate gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
