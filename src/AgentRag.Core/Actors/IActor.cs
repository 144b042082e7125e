namespace AgentRag.Core.Actors;

/// <summary>
/// An actor: an object with private state that handles one message at a time (a <i>turn</i>). The host never runs
/// two turns of the same actor concurrently, so an actor needs no locks for its own fields; work that must not
/// block the actor runs outside the turn and reports back with <see cref="IActorContext.Post"/>.
/// </summary>
public interface IActor
{
    /// <summary>Called once per activation before the first message; loads state. A throw fails that message.</summary>
    Task OnActivateAsync(IActorContext context, CancellationToken cancellationToken);

    /// <summary>
    /// Handles one message (including <see cref="ReminderFired"/>) and returns the reply for
    /// <see cref="IActorHost.AskAsync{TResponse}"/> (ignored for <see cref="IActorHost.TellAsync"/>).
    /// An exception is returned to the asker and does not deactivate the actor.
    /// </summary>
    Task<object?> ReceiveAsync(object message, CancellationToken cancellationToken);
}

/// <summary>A durable reminder came due. Delivered as an ordinary message, in turn order.</summary>
/// <param name="Name">The name the reminder was registered with.</param>
/// <param name="Payload">The payload registered with it, if any.</param>
public sealed record ReminderFired(string Name, string? Payload);
