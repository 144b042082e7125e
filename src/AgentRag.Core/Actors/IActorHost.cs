namespace AgentRag.Core.Actors;

/// <summary>
/// Runs actors turn by turn per <see cref="ActorId"/>: messages to one actor are handled one at a time in arrival
/// order, messages to different actors concurrently. An actor is activated on its first message and its state and
/// reminders are durable, so it continues after a restart. Implementations: the embedded host (SQLite) and, later,
/// Dapr actors. Thread-safe.
/// </summary>
public interface IActorHost
{
    /// <summary>
    /// Delivers <paramref name="message"/> and returns the actor's reply. Throws what the actor threw,
    /// <see cref="InvalidOperationException"/> for an unregistered actor type or a reply of another type, and
    /// <see cref="ObjectDisposedException"/> once the host has stopped. Cancelling stops waiting, not the turn.
    /// </summary>
    Task<TResponse> AskAsync<TResponse>(ActorId id, object message, CancellationToken cancellationToken = default);

    /// <summary>Queues <paramref name="message"/> without waiting for it to be handled. Throws as <see cref="AskAsync{TResponse}"/> for an unregistered type.</summary>
    Task TellAsync(ActorId id, object message, CancellationToken cancellationToken = default);
}
