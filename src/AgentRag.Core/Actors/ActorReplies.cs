namespace AgentRag.Core.Actors;

/// <summary>The typing rule of <see cref="IActorHost.AskAsync{TResponse}"/> replies, shared by every runtime.</summary>
public static class ActorReplies
{
    /// <summary>
    /// <paramref name="result"/> as <typeparamref name="TResponse"/> (null where that type allows it); throws
    /// <see cref="InvalidOperationException"/> naming the actor, the message and both types for a reply of another type.
    /// </summary>
    public static TResponse As<TResponse>(ActorId id, object message, object? result) =>
        result is TResponse typed
            ? typed
            : result is null && default(TResponse) is null
                ? default!
                : throw new InvalidOperationException($"Actor {id} replied to {message.GetType().Name} with {result?.GetType().Name ?? "null"}, not {typeof(TResponse).Name}.");
}
