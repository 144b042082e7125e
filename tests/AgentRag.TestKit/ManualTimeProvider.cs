namespace AgentRag.TestKit;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock moves only when a test says so, for timers, timeouts, TTLs and retry delays
/// without real waiting. Timers fire synchronously inside <see cref="Advance"/>, in due order; a timer created (or changed)
/// due now fires at once on the thread pool, as a real one does. Thread-safe.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private readonly List<TaskCompletionSource> _timerWaiters = [];
    private DateTimeOffset _now;

    public ManualTimeProvider(DateTimeOffset? start = null) => _now = start ?? new DateTimeOffset(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>Timers that are scheduled to fire.</summary>
    public int PendingTimers
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count(t => t.DueAt is not null);
            }
        }
    }

    /// <summary>Moves the clock forward, firing every timer that falls due on the way, in order.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_gate)
        {
            target = _now + by;
        }

        while (true)
        {
            ManualTimer? next;
            lock (_gate)
            {
                next = _timers.Where(t => t.DueAt is { } due && due <= target).MinBy(t => t.DueAt);
                if (next is null)
                {
                    _now = target;
                    return;
                }

                _now = next.DueAt!.Value;
                next.Rearm();
            }

            next.Fire();
        }
    }

    /// <summary>
    /// Waits (without real delays: woken when a timer is scheduled) until a timer is due within <paramref name="within"/>
    /// of now, then advances the clock to it. Returns how far the clock moved.
    /// </summary>
    public async Task<TimeSpan> AdvanceToNextTimerAsync(TimeSpan within, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task changed;
            TimeSpan? step = null;
            lock (_gate)
            {
                var due = _timers.Where(t => t.DueAt is { } d && d - _now <= within).Select(t => t.DueAt!.Value).DefaultIfEmpty().Min();
                if (due != default)
                {
                    step = due > _now ? due - _now : TimeSpan.Zero;
                    changed = Task.CompletedTask;
                }
                else
                {
                    var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _timerWaiters.Add(waiter);
                    changed = waiter.Task;
                }
            }

            if (step is { } advanceBy)
            {
                Advance(advanceBy);
                return advanceBy;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Completes <paramref name="task"/> by advancing the clock to each timer scheduled within <paramref name="maxStep"/>
    /// while the task runs (retry delays, backoffs). Returns the task's result.
    /// </summary>
    public async Task<T> RunAsync<T>(Task<T> task, TimeSpan maxStep, CancellationToken cancellationToken = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        while (!task.IsCompleted)
        {
            var advance = AdvanceToNextTimerAsync(maxStep, stop.Token);
            await Task.WhenAny(task, advance);
        }

        await stop.CancelAsync();
        return await task;
    }

    /// <inheritdoc cref="RunAsync{T}(Task{T}, TimeSpan, CancellationToken)"/>
    public Task RunAsync(Task task, TimeSpan maxStep, CancellationToken cancellationToken = default) =>
        RunAsync(task.ContinueWith(t => { t.GetAwaiter().GetResult(); return true; }, TaskScheduler.Default), maxStep, cancellationToken);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void Schedule(ManualTimer timer)
    {
        List<TaskCompletionSource> waiters;
        lock (_gate)
        {
            if (!_timers.Contains(timer))
            {
                _timers.Add(timer);
            }

            waiters = [.. _timerWaiters];
            _timerWaiters.Clear();
        }

        foreach (var waiter in waiters)
        {
            waiter.TrySetResult();
        }
    }

    private void Remove(ManualTimer timer)
    {
        lock (_gate)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        /// <summary>When it fires next; null when stopped. Guarded by the owner's lock.</summary>
        public DateTimeOffset? DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var fireNow = false;
            lock (owner._gate)
            {
                _period = period;
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    DueAt = null;
                }
                else if (dueTime <= TimeSpan.Zero)
                {
                    // Due now: fires at once on the thread pool, as a real timer does, without waiting for Advance.
                    fireNow = true;
                    DueAt = owner._now;
                    Rearm();
                }
                else
                {
                    DueAt = owner._now + dueTime;
                }
            }

            if (fireNow)
            {
                ThreadPool.QueueUserWorkItem(static timer => timer.Fire(), this, preferLocal: false);
            }

            if (DueAt is null)
            {
                owner.Remove(this);
            }
            else
            {
                owner.Schedule(this);
            }

            return true;
        }

        /// <summary>Called under the owner's lock just before firing: schedules the next period or stops.</summary>
        public void Rearm() =>
            DueAt = _period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan ? DueAt + _period : null;

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (owner._gate)
            {
                DueAt = null;
            }

            owner.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
