namespace AgentRag.Core.Actors;

/// <summary>
/// What an actor can do besides handling messages: durable state, durable reminders, posting to itself from
/// outside its turn, and the host's clock. State and reminder methods must be called from within a turn;
/// <see cref="Post"/> is thread-safe and may be called from anywhere.
/// </summary>
public interface IActorContext
{
    ActorId Id { get; }

    /// <summary>The clock for timeouts and durations (a fake one in tests).</summary>
    TimeProvider Time { get; }

    /// <summary>Cancelled when the host stops: work started by the actor should stop without recording a failure.</summary>
    CancellationToken HostStopping { get; }

    /// <summary>The actor's value under <paramref name="key"/>, or default when none was written.</summary>
    Task<T?> ReadStateAsync<T>(string key, CancellationToken cancellationToken = default);

    /// <summary>Writes the value; it is durable when the task completes. Last write wins.</summary>
    Task WriteStateAsync<T>(string key, T value, CancellationToken cancellationToken = default);

    /// <summary>
    /// Registers (or replaces) a durable reminder that delivers <see cref="ReminderFired"/> after
    /// <paramref name="dueTime"/>, then every <paramref name="period"/> when one is given. Reminders survive restarts:
    /// one that came due while no process was running fires as soon as the host starts again.
    /// </summary>
    Task SetReminderAsync(string name, TimeSpan dueTime, TimeSpan? period = null, string? payload = null, CancellationToken cancellationToken = default);

    /// <summary>Removes the reminder. Idempotent.</summary>
    Task RemoveReminderAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Queues a message for this actor (a step reporting back). It is handled in a later turn, after the messages
    /// already queued. Never blocks. Messages posted after the host stopped are dropped.
    /// </summary>
    void Post(object message);

    /// <summary>Asks the host to release this activation after the current turn (the state stays stored).</summary>
    void Deactivate();
}
