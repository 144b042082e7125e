using System.Collections.Concurrent;
using System.Text.Json;
using AgentRag.Core.Actors;
using AgentRag.Core.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Placement;
using Orleans.Runtime;

namespace AgentRag.Runtime.Orleans;

/// <summary>
/// Hosts one <see cref="IActor"/> as an Orleans grain: one activation cluster-wide, turn-based (Orleans grains are not
/// reentrant), placed on the replica that first calls it (the one that received the query), and activated again on a
/// survivor when that replica dies.
/// <list type="bullet">
/// <item><b>State</b> goes through <see cref="IActorStateStore"/> (PostgreSQL in a cluster) with ETags: every write is
/// conditional on the version this activation read or wrote last, so an activation whose copy is stale (another one
/// wrote since, e.g. a replica that was declared dead but still runs) fails its write, deactivates and records nothing.</item>
/// <item><b>Reminders</b> are Orleans reminders (durable in Redis, fired on whichever replica owns them). A one-shot
/// reminder repeats every <see cref="OrleansRuntimeOptions.OneShotReminderRepeat"/> until the turn that handled it
/// completes, then is removed: at least once, as in the embedded host.</item>
/// <item><b>Posted messages</b> (step reports from work running outside the turn) stay in this process: they are queued
/// here and handled by a <see cref="IActorGrain.Drain"/> turn. They are lost if the replica dies, which the actor's
/// resume reminder covers (in-flight steps run again; completed ones never).</item>
/// </list>
/// </summary>
[PreferLocalPlacement]
internal sealed partial class ActorGrain(
    OrleansActorRuntime runtime,
    IActorStateStore store,
    TimeProvider time,
    IOptions<OrleansRuntimeOptions> options,
    ILogger<ActorGrain> logger) : Grain, IActorGrain, IRemindable, IActorContext
{
    /// <summary>Separates the parts of an Orleans reminder name: kind, the actor's name for it, and its payload.</summary>
    private const char Separator = '\u001f';
    private const string OneShot = "1";
    private const string Periodic = "p";

    private readonly ConcurrentQueue<object> _posted = new();
    private readonly ConcurrentDictionary<string, string?> _etags = new(StringComparer.Ordinal);
    private IActorGrain _self = null!;
    private IActor _actor = null!;
    private bool _activated;
    private bool _deactivateRequested;
    private int _drainScheduled;
    private string? _firingReminder;
    private bool _firingReminderReplaced;

    public ActorId Id { get; private set; }

    TimeProvider IActorContext.Time => time;

    public CancellationToken HostStopping => runtime.Stopping;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Id = ActorGrainKey.Parse(this.GetPrimaryKeyString());
        _actor = runtime.Create(Id);
        _self = this.AsReference<IActorGrain>();
        LogActivated(Id.ToString(), runtime.SiloAddress);
        return Task.CompletedTask;
    }

    public async Task<ActorMessage> Ask(ActorMessage message) => ActorMessage.Pack(await HandleAsync(message.Unpack()!));

    public async Task Tell(ActorMessage message)
    {
        try
        {
            await HandleAsync(message.Unpack()!);
        }
        catch (Exception ex)
        {
            LogTurnFailed(ex, Id.ToString(), message.Type ?? "null");
        }
    }

    public async Task Drain()
    {
        Volatile.Write(ref _drainScheduled, 0);
        while (!_deactivateRequested && _posted.TryDequeue(out var message))
        {
            try
            {
                await HandleAsync(message);
            }
            catch (Exception ex)
            {
                LogTurnFailed(ex, Id.ToString(), message.GetType().Name);
            }
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        var (kind, name, payload) = Decode(reminderName);
        _firingReminder = name;
        _firingReminderReplaced = false;
        try
        {
            await HandleAsync(new ReminderFired(name, payload));
            if (kind == OneShot && !_firingReminderReplaced && await this.GetReminder(reminderName) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (Exception ex)
        {
            // Left registered: it fires again (a one-shot one after OneShotReminderRepeat).
            LogTurnFailed(ex, Id.ToString(), nameof(ReminderFired));
        }
        finally
        {
            _firingReminder = null;
        }
    }

    public async Task<T?> ReadStateAsync<T>(string key, CancellationToken cancellationToken = default)
    {
        var entry = await store.ReadStateEntryAsync(Id, key, cancellationToken);
        _etags[key] = entry?.ETag;
        return entry is null ? default : JsonSerializer.Deserialize<T>(entry.Json, AgentRagJson.Options);
    }

    public async Task WriteStateAsync<T>(string key, T value, CancellationToken cancellationToken = default)
    {
        var expected = _etags.TryGetValue(key, out var known) ? known : (await store.ReadStateEntryAsync(Id, key, cancellationToken))?.ETag;
        try
        {
            _etags[key] = await store.WriteStateIfMatchAsync(Id, key, JsonSerializer.Serialize(value, AgentRagJson.Options), expected, cancellationToken);
        }
        catch (ActorStateConflictException ex)
        {
            // Another activation wrote since this one read: this copy is stale. Stop here; the other one is the truth.
            LogStale(ex.Message);
            _deactivateRequested = true;
            throw;
        }
    }

    public async Task SetReminderAsync(string name, TimeSpan dueTime, TimeSpan? period = null, string? payload = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
        if (period is { } p)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(p, TimeSpan.Zero, nameof(period));
        }

        if (name.Contains(Separator, StringComparison.Ordinal) || (payload?.Contains(Separator, StringComparison.Ordinal) ?? false))
        {
            throw new ArgumentException("A reminder's name and payload may not contain the unit separator (U+001F).", nameof(name));
        }

        var encoded = Encode(period is null ? OneShot : Periodic, name, payload);
        await RemoveRemindersAsync(name, except: encoded, cancellationToken);
        await this.RegisterOrUpdateReminder(encoded, dueTime, period ?? options.Value.OneShotReminderRepeat, cancellationToken);
        if (name == _firingReminder)
        {
            _firingReminderReplaced = true;
        }
    }

    public Task RemoveReminderAsync(string name, CancellationToken cancellationToken = default)
    {
        if (name == _firingReminder)
        {
            _firingReminderReplaced = true; // Removed here: nothing to remove after the turn.
        }

        return RemoveRemindersAsync(name, except: null, cancellationToken);
    }

    public void Post(object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (runtime.Stopping.IsCancellationRequested)
        {
            return; // Dropped, as documented: the resume reminder re-runs what was in flight.
        }

        _posted.Enqueue(message);
        if (Interlocked.Exchange(ref _drainScheduled, 1) == 0)
        {
            _ = ScheduleDrainAsync();
        }
    }

    public void Deactivate() => _deactivateRequested = true;

    private async Task ScheduleDrainAsync()
    {
        try
        {
            await _self.Drain();
        }
        catch (Exception ex)
        {
            Volatile.Write(ref _drainScheduled, 0);
            LogDrainFailed(ex, Id.ToString());
        }
    }

    private async Task<object?> HandleAsync(object message)
    {
        if (!_activated)
        {
            await _actor.OnActivateAsync(this, HostStopping);
            _activated = true;
        }

        try
        {
            return await _actor.ReceiveAsync(message, HostStopping);
        }
        finally
        {
            if (_deactivateRequested)
            {
                this.DeactivateOnIdle();
            }
        }
    }

    private async Task RemoveRemindersAsync(string name, string? except, CancellationToken cancellationToken)
    {
        foreach (var reminder in await this.GetReminders(cancellationToken))
        {
            if (reminder.ReminderName != except && Decode(reminder.ReminderName).Name == name)
            {
                await this.UnregisterReminder(reminder, cancellationToken);
            }
        }
    }

    private static string Encode(string kind, string name, string? payload) =>
        payload is null ? $"{kind}{Separator}{name}" : $"{kind}{Separator}{name}{Separator}{payload}";

    private static (string Kind, string Name, string? Payload) Decode(string reminderName)
    {
        var parts = reminderName.Split(Separator, 3);
        return parts.Length switch
        {
            2 => (parts[0], parts[1], null),
            3 => (parts[0], parts[1], parts[2]),
            _ => (OneShot, reminderName, null),
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Actor {Actor} activated on silo {Silo}.")]
    private partial void LogActivated(string actor, string silo);

    [LoggerMessage(Level = LogLevel.Error, Message = "Actor {Actor} failed to handle {MessageType}.")]
    private partial void LogTurnFailed(Exception exception, string actor, string messageType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not schedule the handling of actor {Actor}'s posted messages.")]
    private partial void LogDrainFailed(Exception exception, string actor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stale activation, deactivating: {Reason}")]
    private partial void LogStale(string reason);
}
