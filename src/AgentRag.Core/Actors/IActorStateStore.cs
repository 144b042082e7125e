namespace AgentRag.Core.Actors;

/// <summary>
/// Durable storage of actors' state and reminders (the embedded host's persistence; Dapr keeps its own).
/// Every method is scoped by the actor id, which includes its tenant. Thread-safe.
/// </summary>
public interface IActorStateStore
{
    /// <summary>The stored JSON under <paramref name="key"/>, or null.</summary>
    Task<string?> ReadStateAsync(ActorId id, string key, CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="json"/> under <paramref name="key"/>; durable when the task completes.</summary>
    Task WriteStateAsync(ActorId id, string key, string json, CancellationToken cancellationToken = default);

    /// <summary>Deletes all state and reminders of the actor. Idempotent.</summary>
    Task DeleteActorAsync(ActorId id, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces the reminder (same actor and name); durable when the task completes.</summary>
    Task SaveReminderAsync(ActorReminder reminder, CancellationToken cancellationToken = default);

    /// <summary>Deletes the reminder. Idempotent.</summary>
    Task DeleteReminderAsync(ActorId id, string name, CancellationToken cancellationToken = default);

    /// <summary>Every stored reminder of every tenant, for re-arming at startup.</summary>
    Task<IReadOnlyList<ActorReminder>> ListRemindersAsync(CancellationToken cancellationToken = default);
}

/// <summary>A durable reminder: first due at <see cref="DueAt"/>, then every <see cref="Period"/> when set.</summary>
public sealed record ActorReminder(ActorId ActorId, string Name, DateTimeOffset DueAt, TimeSpan? Period, string? Payload);
