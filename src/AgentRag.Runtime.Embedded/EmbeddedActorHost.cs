using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using AgentRag.Core.Actors;
using AgentRag.Core.Serialization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentRag.Runtime.Embedded;

/// <summary>
/// The in-process <see cref="IActorRuntime"/> of embedded mode (<c>AgentRag:Runtime</c> = <c>embedded</c>).
/// <list type="bullet">
/// <item><b>Turns:</b> each active actor has a mailbox drained by one loop, so its turns never overlap; different
/// actors run concurrently on the thread pool.</item>
/// <item><b>State</b> is read and written through <see cref="IActorStateStore"/> (SQLite, group-committed), as JSON
/// with the product's conventions.</item>
/// <item><b>Reminders</b> are stored before they are armed, armed as timers of the injected <see cref="TimeProvider"/>,
/// and re-armed by <see cref="StartAsync"/>: one that came due while no process ran fires at once. A one-shot reminder
/// is deleted after the turn that handled it completes, so it is delivered at least once.</item>
/// <item><b>Stopping</b> cancels <see cref="IActorContext.HostStopping"/>, stops accepting messages, lets running turns
/// finish and drops queued ones (their work resumes from stored state and reminders at the next start).</item>
/// </list>
/// Thread-safe.
/// </summary>
public sealed partial class EmbeddedActorHost : IActorRuntime, IHostedService, IAsyncDisposable
{
    private readonly ActorRegistry _registrations;
    private readonly ConcurrentDictionary<ActorId, Activation> _activations = new();
    private readonly ConcurrentDictionary<(ActorId Actor, string Name), ArmedReminder> _reminders = new();
    private readonly IActorStateStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<EmbeddedActorHost> _logger;
    private readonly EmbeddedActorHostOptions _options;
    private readonly CancellationTokenSource _stopping = new();
    private FileStream? _recoveryLock;
    private int _stopped;
    private long _reminderGeneration;

    public EmbeddedActorHost(
        IEnumerable<ActorRegistration> registrations,
        IActorStateStore store,
        TimeProvider time,
        ILogger<EmbeddedActorHost> logger,
        EmbeddedActorHostOptions? options = null)
    {
        _registrations = new ActorRegistry(registrations);
        _store = store;
        _time = time;
        _logger = logger;
        _options = options ?? new EmbeddedActorHostOptions();
    }

    /// <summary>How many reminders the last <see cref="StartAsync"/> re-armed.</summary>
    public int RearmedReminders { get; private set; }

    /// <summary>
    /// True once <see cref="StartAsync"/> ran in the process that owns the data folder's workflows (it holds the
    /// recovery lock, or none is configured); false when another process (a server) holds it: this process must not
    /// drive that process's workflows.
    /// </summary>
    public bool OwnsRecovery { get; private set; }

    /// <summary>Actors with an activation in memory now.</summary>
    public int ActiveActors => _activations.Count;

    /// <summary>
    /// Re-arms every stored reminder (when this process holds the recovery lock, if one is configured), so pending
    /// work resumes. Idempotent per host instance.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.RecoveryLockPath is { } lockPath)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(lockPath))!);
                _recoveryLock ??= new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                LogRecoverySkipped(lockPath);
                return;
            }
        }

        OwnsRecovery = true;
        var count = 0;
        foreach (var reminder in await _store.ListRemindersAsync(cancellationToken))
        {
            if (!_registrations.Contains(reminder.ActorId.Type))
            {
                LogUnknownReminder(reminder.ActorId.ToString(), reminder.Name);
                continue;
            }

            if (!_reminders.ContainsKey((reminder.ActorId, reminder.Name)))
            {
                Arm(reminder);
                count++;
            }
        }

        RearmedReminders = count;
        if (count > 0)
        {
            LogRearmed(count);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        foreach (var armed in _reminders.Values)
        {
            armed.Timer?.Dispose();
        }

        _reminders.Clear();
        var loops = new List<Task>();
        foreach (var activation in _activations.Values)
        {
            activation.Close();
            loops.Add(activation.Loop);
        }

        await Task.WhenAll(loops).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _activations.Clear();
        _recoveryLock?.Dispose();
        _recoveryLock = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
    }

    public async Task<TResponse> AskAsync<TResponse>(ActorId id, object message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var reply = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Deliver(id, new Envelope(message, reply, ReminderGeneration: null));
        return ActorReplies.As<TResponse>(id, message, await reply.Task.WaitAsync(cancellationToken));
    }

    public Task TellAsync(ActorId id, object message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        Deliver(id, new Envelope(message, Reply: null, ReminderGeneration: null));
        return Task.CompletedTask;
    }

    private void Deliver(ActorId id, Envelope envelope)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _stopped) != 0, this);
        var registration = _registrations.Get(id.Type);

        while (true)
        {
            var activation = _activations.GetOrAdd(id, key => new Activation(this, key, registration.Create()));
            if (activation.TryPost(envelope))
            {
                return;
            }

            // The activation closed between lookup and post (it deactivated): replace it.
            _activations.TryRemove(new KeyValuePair<ActorId, Activation>(id, activation));
            if (Volatile.Read(ref _stopped) != 0)
            {
                envelope.Reply?.TrySetException(new ObjectDisposedException(nameof(EmbeddedActorHost)));
                return;
            }
        }
    }

    private void Arm(ActorReminder reminder)
    {
        var generation = Interlocked.Increment(ref _reminderGeneration);
        var due = reminder.DueAt - _time.GetUtcNow();
        if (due < TimeSpan.Zero)
        {
            due = TimeSpan.Zero;
        }

        var armed = new ArmedReminder(this, reminder, generation);
        if (_reminders.TryGetValue((reminder.ActorId, reminder.Name), out var previous))
        {
            previous.Timer?.Dispose();
        }

        // Registered before the timer exists: a due-now timer may fire (and look itself up) at once.
        _reminders[(reminder.ActorId, reminder.Name)] = armed;
        armed.Timer = _time.CreateTimer(static state => ((ArmedReminder)state!).Host.Fire((ArmedReminder)state), armed, due, reminder.Period ?? Timeout.InfiniteTimeSpan);
    }

    private void Fire(ArmedReminder armed)
    {
        if (Volatile.Read(ref _stopped) != 0)
        {
            return;
        }

        try
        {
            Deliver(armed.Reminder.ActorId, new Envelope(new ReminderFired(armed.Reminder.Name, armed.Reminder.Payload), null, armed.Generation));
        }
        catch (ObjectDisposedException)
        {
            // Stopping: the reminder stays stored and is re-armed at the next start.
        }
    }

    /// <summary>After a one-shot reminder's turn: forget it unless it was replaced meanwhile.</summary>
    private async Task CompleteOneShotAsync(ActorId actor, string name, long generation)
    {
        if (_reminders.TryGetValue((actor, name), out var armed) && armed.Generation == generation && armed.Reminder.Period is null)
        {
            _reminders.TryRemove(new KeyValuePair<(ActorId, string), ArmedReminder>((actor, name), armed));
            armed.Timer?.Dispose();
            await _store.DeleteReminderAsync(actor, name, CancellationToken.None);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Another process holds {LockPath}; this one does not resume stored workflows.")]
    private partial void LogRecoverySkipped(string lockPath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reminder {Name} of {Actor} names an actor type that is not registered; it is left in the store.")]
    private partial void LogUnknownReminder(string actor, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-armed {Count} stored reminder(s).")]
    private partial void LogRearmed(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Actor {Actor} failed to handle {MessageType}.")]
    private partial void LogTurnFailed(Exception exception, string actor, string messageType);

    private sealed record Envelope(object Message, TaskCompletionSource<object?>? Reply, long? ReminderGeneration);

    private sealed class ArmedReminder(EmbeddedActorHost host, ActorReminder reminder, long generation)
    {
        public EmbeddedActorHost Host { get; } = host;

        public ActorReminder Reminder { get; } = reminder;

        public long Generation { get; } = generation;

        public ITimer? Timer { get; set; }
    }

    /// <summary>One actor in memory: its instance, mailbox and turn loop.</summary>
    private sealed class Activation : IActorContext
    {
        private readonly EmbeddedActorHost _host;
        private readonly IActor _actor;
        private readonly Channel<Envelope> _mailbox = Channel.CreateUnbounded<Envelope>(new UnboundedChannelOptions { SingleReader = true });
        private readonly Lock _gate = new();
        private bool _closed;
        private bool _activated;
        private bool _deactivateRequested;

        public Activation(EmbeddedActorHost host, ActorId id, IActor actor)
        {
            _host = host;
            _actor = actor;
            Id = id;
            Loop = Task.Run(RunAsync);
        }

        public ActorId Id { get; }

        public Task Loop { get; }

        public TimeProvider Time => _host._time;

        public CancellationToken HostStopping => _host._stopping.Token;

        public bool TryPost(Envelope envelope)
        {
            lock (_gate)
            {
                return !_closed && _mailbox.Writer.TryWrite(envelope);
            }
        }

        public void Close()
        {
            lock (_gate)
            {
                _closed = true;
                _mailbox.Writer.TryComplete();
            }
        }

        public async Task<T?> ReadStateAsync<T>(string key, CancellationToken cancellationToken = default)
        {
            var json = await _host._store.ReadStateAsync(Id, key, cancellationToken);
            return json is null ? default : JsonSerializer.Deserialize<T>(json, AgentRagJson.Options);
        }

        public Task WriteStateAsync<T>(string key, T value, CancellationToken cancellationToken = default) =>
            _host._store.WriteStateAsync(Id, key, JsonSerializer.Serialize(value, AgentRagJson.Options), cancellationToken);

        public async Task SetReminderAsync(string name, TimeSpan dueTime, TimeSpan? period = null, string? payload = null, CancellationToken cancellationToken = default)
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
            if (period is { } p)
            {
                ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(p, TimeSpan.Zero, nameof(period));
            }

            var reminder = new ActorReminder(Id, name, Time.GetUtcNow() + dueTime, period, payload);
            await _host._store.SaveReminderAsync(reminder, cancellationToken);
            _host.Arm(reminder);
        }

        public async Task RemoveReminderAsync(string name, CancellationToken cancellationToken = default)
        {
            if (_host._reminders.TryRemove((Id, name), out var armed))
            {
                armed.Timer?.Dispose();
            }

            await _host._store.DeleteReminderAsync(Id, name, cancellationToken);
        }

        public void Post(object message)
        {
            ArgumentNullException.ThrowIfNull(message);
            if (Volatile.Read(ref _host._stopped) != 0)
            {
                return;
            }

            var envelope = new Envelope(message, null, null);
            if (!TryPost(envelope))
            {
                // This activation is gone (deactivated): a new one takes the message.
                try
                {
                    _host.Deliver(Id, envelope);
                }
                catch (ObjectDisposedException)
                {
                    // Stopped meanwhile: dropped, as documented.
                }
            }
        }

        public void Deactivate() => _deactivateRequested = true;

        private async Task RunAsync()
        {
            await foreach (var envelope in _mailbox.Reader.ReadAllAsync())
            {
                if (HostStopping.IsCancellationRequested)
                {
                    envelope.Reply?.TrySetException(new ObjectDisposedException(nameof(EmbeddedActorHost)));
                    continue;
                }

                object? result = null;
                Exception? failure = null;
                try
                {
                    if (!_activated)
                    {
                        await _actor.OnActivateAsync(this, HostStopping);
                        _activated = true;
                    }

                    result = await _actor.ReceiveAsync(envelope.Message, HostStopping);
                    if (envelope is { Message: ReminderFired fired, ReminderGeneration: { } generation })
                    {
                        await _host.CompleteOneShotAsync(Id, fired.Name, generation);
                    }
                }
                catch (Exception ex)
                {
                    failure = ex;
                }

                if (_deactivateRequested)
                {
                    // Retired before the reply: whoever awaited this turn sees the actor gone.
                    Close();
                    _host._activations.TryRemove(new KeyValuePair<ActorId, Activation>(Id, this));
                }

                if (failure is null)
                {
                    envelope.Reply?.TrySetResult(result);
                }
                else if (envelope.Reply is null || !envelope.Reply.TrySetException(failure))
                {
                    _host.LogTurnFailed(failure, Id.ToString(), envelope.Message.GetType().Name);
                }

                if (_deactivateRequested)
                {
                    // Whatever arrived after this turn goes to the next activation.
                    while (_mailbox.Reader.TryRead(out var leftover))
                    {
                        try
                        {
                            _host.Deliver(Id, leftover);
                        }
                        catch (ObjectDisposedException ex)
                        {
                            leftover.Reply?.TrySetException(ex);
                        }
                    }

                    return;
                }
            }
        }
    }
}
