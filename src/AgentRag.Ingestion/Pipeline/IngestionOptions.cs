using System.ComponentModel.DataAnnotations;

namespace AgentRag.Ingestion.Pipeline;

/// <summary>Settings of the ingestion pipeline (section <c>AgentRag:Ingestion</c>).</summary>
public sealed class IngestionOptions
{
    public const string SectionName = "AgentRag:Ingestion";

    /// <summary>Largest accepted file, in bytes. Default 100 MB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Documents processed at once. Each PDF already runs several poppler processes in parallel.</summary>
    [Range(1, 64)]
    public int MaxConcurrentDocuments { get; set; } = 2;

    /// <summary>Retries of a transient failure (a process that fails to start, I/O) per stage.</summary>
    [Range(0, 10)]
    public int TransientRetries { get; set; } = 3;

    /// <summary>Delay before the first retry; doubles on each further retry.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Most bytes the scratch folder (<c>data/tmp</c>, uploads in flight) may hold; an upload that would take it over
    /// is refused with 507. Default 4 GiB.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long MaxScratchBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>A scratch file not written for this long is a leftover (a crash, an aborted upload) and is swept. Default 1 hour.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan ScratchMaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Time between sweeps of stale scratch files (there is also one at start). Default 10 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ScratchSweepInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How often the background embedding stage looks for ready documents that still need embedding beyond those it was
    /// handed (ingested by another process on the same data folder, e.g. <c>agentrag ingest --no-wait</c> beside a
    /// running server). Default 10 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan EmbeddingPollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Longest wait for another process that is embedding the same tenant's documents before giving up on one (it is
    /// tried again later). Default 1 hour.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan EmbeddingLeaseTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Test-only hook: when set to a stage name (e.g. <c>chunking</c>), a document that reaches that stage waits there
    /// until the process is stopped. Crash-recovery tests use it to kill the process mid-ingestion. Also read from the
    /// environment variable <c>AGENTRAG_TEST_HOLD_AT_STAGE</c>.
    /// </summary>
    public string? TestHoldAtStage { get; set; } = Environment.GetEnvironmentVariable("AGENTRAG_TEST_HOLD_AT_STAGE");
}
