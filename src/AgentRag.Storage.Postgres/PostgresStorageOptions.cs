using System.ComponentModel.DataAnnotations;

namespace AgentRag.Storage.Postgres;

/// <summary>
/// Settings of the PostgreSQL store (configuration section <c>AgentRag:Postgres</c>; <c>AgentRag:Storage=postgres</c>
/// chooses it, and the connection string is <c>ConnectionStrings:Postgres</c>).
/// </summary>
public sealed class PostgresStorageOptions
{
    public const string SectionName = "AgentRag:Postgres";

    /// <summary>The name of the connection string (<c>ConnectionStrings:Postgres</c>, env <c>ConnectionStrings__Postgres</c>).</summary>
    public const string ConnectionStringName = "Postgres";

    /// <summary>The Npgsql connection string of the shared database (<c>ConnectionStrings:Postgres</c>).</summary>
    [Required(ErrorMessage = "ConnectionStrings:Postgres is required when AgentRag:Storage is postgres (env ConnectionStrings__Postgres).")]
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// The folder every replica shares for originals and staged uploads (a network file system in a cluster). Empty: the
    /// data folder, which suits replicas on one machine.
    /// </summary>
    public string BlobDirectory { get; set; } = "";

    /// <summary>
    /// How long a claimed ingestion job stays with its reader without a renewal; a reader that dies (SIGKILL, a lost
    /// machine) loses its jobs to the other replicas this long after its last renewal. Renewed every third of it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan IngestionLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often an idle queue reader looks for jobs whose lease ran out (new jobs are signalled at once).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether tenant erasure runs <c>VACUUM (FULL)</c> on the tables it deleted from (rewrites them, so no dead row
    /// version stays in their files; takes an exclusive lock on each table while it runs) rather than a plain
    /// <c>VACUUM</c> (marks the space free; the bytes stay until reused).
    /// </summary>
    public bool VacuumFullOnErasure { get; set; } = true;
}
