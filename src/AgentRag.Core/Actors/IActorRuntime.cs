namespace AgentRag.Core.Actors;

/// <summary>
/// The actor runtime of a process: the <see cref="IActorHost"/> plus its lifetime. A host registers exactly one (the
/// embedded runtime today; Orleans or Dapr later) through the composition root's runtime choice. A process with hosted
/// services starts it at host start; one without (a CLI command) calls <see cref="StartAsync"/> before sending work.
/// Thread-safe.
/// </summary>
public interface IActorRuntime : IActorHost
{
    /// <summary>
    /// True once <see cref="StartAsync"/> ran in the process that drives the stored actors (resumes their reminders);
    /// false when another process does, so this one must not resume or drive that process's workflows.
    /// </summary>
    bool OwnsRecovery { get; }

    /// <summary>Starts the runtime so stored work resumes (reminders re-armed where this process owns recovery). Idempotent.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stops accepting messages and lets running turns finish; queued work resumes from stored state at the next start.
    /// Idempotent.
    /// </summary>
    Task StopAsync(CancellationToken cancellationToken);
}
