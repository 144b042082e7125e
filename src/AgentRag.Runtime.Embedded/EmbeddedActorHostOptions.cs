namespace AgentRag.Runtime.Embedded;

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
