namespace AgentRag.Runtime.Dapr;

/// <summary>
/// The Dapr actor interface every product actor is hosted behind (<see cref="DaprHostedActor"/>); the sidecar calls its
/// methods by name (<c>PUT /actors/{type}/{id}/method/Ask</c>, JSON bodies) one turn at a time per actor.
/// </summary>
public interface IDaprHostedActor : global::Dapr.Actors.IActor
{
    /// <summary>Handles <paramref name="message"/> in one turn and returns the actor's reply, or what it threw (<see cref="DaprActorReply.Failed"/>).</summary>
    Task<DaprActorReply> Ask(DaprActorMessage message);

    /// <summary>Handles <paramref name="message"/> in one turn; a failure is logged here, not returned.</summary>
    Task Tell(DaprActorMessage message);

    /// <summary>Handles, in one turn, the messages the actor posted to itself from outside its turns (step reports).</summary>
    Task Drain();
}
