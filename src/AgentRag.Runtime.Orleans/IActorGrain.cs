using Orleans;
using Orleans.Concurrency;

namespace AgentRag.Runtime.Orleans;

/// <summary>
/// One actor of the product as an Orleans grain, keyed by <see cref="ActorGrainKey"/>. Not reentrant: its calls (asks,
/// tells, reminders and the actor's own posted messages) are turns that never overlap.
/// </summary>
public interface IActorGrain : IGrainWithStringKey
{
    /// <summary>Handles <paramref name="message"/> in one turn and returns the actor's reply; throws what the actor threw.</summary>
    Task<ActorMessage> Ask(ActorMessage message);

    /// <summary>Handles <paramref name="message"/> in one turn; the caller does not wait for it.</summary>
    [OneWay]
    Task Tell(ActorMessage message);

    /// <summary>Handles, in one turn, the messages the actor posted to itself from outside its turns (step reports).</summary>
    [OneWay]
    Task Drain();
}
