namespace AgentRag.Core.Actors;

/// <summary>
/// Durable storage of actors' state and reminders (the embedded host's persistence; Dapr keeps its own).
/// Every method is scoped by the actor id, which includes its tenant. Thread-safe.
/// </summary>
public interface IActorStateStore
{
    /// <summary>The stored JSON under <paramref name="key"/>, or null.</summary>
    Task<string?> ReadStateAsync(ActorId id, string key, CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="json"/> under <paramref name="key"/>, whatever is stored; durable when the task completes. Changes the ETag.</summary>
    Task WriteStateAsync(ActorId id, string key, string json, CancellationToken cancellationToken = default);

    /// <summary>The stored JSON under <paramref name="key"/> with its ETag, or null.</summary>
    Task<ActorStateEntry?> ReadStateEntryAsync(ActorId id, string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Optimistic concurrency: stores <paramref name="json"/> only when the stored entry's ETag is
    /// <paramref name="expectedETag"/> (null: only when nothing is stored under the key), atomically, and returns the
    /// new ETag; durable when the task completes. Throws <see cref="ActorStateConflictException"/>, storing nothing, when
    /// another writer changed (or created, or deleted) the entry since, and <see cref="ArgumentException"/> for an ETag
    /// this store never issued.
    /// </summary>
    Task<string> WriteStateIfMatchAsync(ActorId id, string key, string json, string? expectedETag, CancellationToken cancellationToken = default);

    /// <summary>Deletes all state and reminders of the actor. Idempotent.</summary>
    Task DeleteActorAsync(ActorId id, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces the reminder (same actor and name); durable when the task completes.</summary>
    Task SaveReminderAsync(ActorReminder reminder, CancellationToken cancellationToken = default);

    /// <summary>Deletes the reminder. Idempotent.</summary>
    Task DeleteReminderAsync(ActorId id, string name, CancellationToken cancellationToken = default);

    /// <summary>Every stored reminder of every tenant, for re-arming at startup.</summary>
    Task<IReadOnlyList<ActorReminder>> ListRemindersAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// A stored state entry and its ETag: an opaque version that every write changes (it is the row's version number, as
/// text, in both the SQLite and the PostgreSQL store).
/// </summary>
public sealed record ActorStateEntry(string Json, string ETag)
{
    /// <summary>The ETag of stored version <paramref name="version"/>.</summary>
    public static string ToETag(long version) => version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The version an ETag names (null for null); throws <see cref="ArgumentException"/> for an ETag no store issued.</summary>
    public static long? ParseETag(string? etag) =>
        etag is null ? null
        : long.TryParse(etag, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) && version > 0 ? version
        : throw new ArgumentException($"'{etag}' is not an actor state ETag.", nameof(etag));
}

/// <summary>
/// A conditional write (<see cref="IActorStateStore.WriteStateIfMatchAsync"/>) found the entry changed by another writer:
/// the caller's copy is stale, so it must read again (and usually give up its activation).
/// </summary>
public sealed class ActorStateConflictException(ActorId actor, string key, string? expectedETag, string? actualETag)
    : Exception($"The state '{key}' of actor {actor} was changed by another writer: expected ETag {expectedETag ?? "(none stored)"}, found {actualETag ?? "(none stored)"}.")
{
    public ActorId Actor { get; } = actor;

    public string Key { get; } = key;

    /// <summary>The ETag the writer expected; null when it expected nothing stored.</summary>
    public string? ExpectedETag { get; } = expectedETag;

    /// <summary>The ETag stored now; null when nothing is.</summary>
    public string? ActualETag { get; } = actualETag;
}

/// <summary>A durable reminder: first due at <see cref="DueAt"/>, then every <see cref="Period"/> when set.</summary>
public sealed record ActorReminder(ActorId ActorId, string Name, DateTimeOffset DueAt, TimeSpan? Period, string? Payload);
