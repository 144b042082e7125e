using AgentRag.Core.Actors;

namespace AgentRag.Agents.Actors;

/// <summary>An actor type the host can activate: its name (the <see cref="ActorId.Type"/>) and how to create an instance.</summary>
/// <param name="Type">The actor type name, e.g. <c>workflow</c>.</param>
/// <param name="Create">Creates a fresh instance for one activation.</param>
public sealed record ActorRegistration(string Type, Func<IActor> Create);

/// <summary>Settings of the embedded actor host.</summary>
public sealed class EmbeddedActorHostOptions
{
    /// <summary>
    /// A file the host locks at start. Only the process holding it re-arms the stored reminders (resumes other
    /// processes' work), so a CLI command next to a running server does not run the server's workflows twice.
    /// Null: always re-arm.
    /// </summary>
    public string? RecoveryLockPath { get; set; }
}
