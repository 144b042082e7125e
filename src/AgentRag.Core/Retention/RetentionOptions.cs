using System.ComponentModel.DataAnnotations;

namespace AgentRag.Core.Retention;

/// <summary>
/// How long each kind of state is kept (section <c>AgentRag:Retention</c>), and how the cleanup job runs. Sessions keep
/// their own time to live (<c>AgentRag:Sessions:TimeToLive</c>, 7 days), which the same job applies. Validated at startup.
/// </summary>
public sealed class RetentionOptions
{
    public const string SectionName = "AgentRag:Retention";

    /// <summary>Days a finished (completed, failed or cancelled) workflow's state and event log are kept after its last change. Default 30.</summary>
    [Range(1, 36500)]
    public int WorkflowDays { get; set; } = 30;

    /// <summary>Days a raw model-usage row is kept (aggregates, where a rollup keeps them, outlive it). Default 90.</summary>
    [Range(1, 36500)]
    public int UsageDays { get; set; } = 90;

    /// <summary>Days an audit entry is kept. Default 365.</summary>
    [Range(1, 36500)]
    public int AuditDays { get; set; } = 365;

    /// <summary>Days an alert is kept. Default 90.</summary>
    [Range(1, 36500)]
    public int AlertDays { get; set; } = 90;

    /// <summary>
    /// Days a document's original file is kept after upload; null (the default) keeps originals for ever. A document whose
    /// original expired stays searchable and answerable from its chunks, says so (<c>originalExpired</c>), and cannot be
    /// reprocessed.
    /// </summary>
    [Range(1, 36500)]
    public int? OriginalFileDays { get; set; }

    /// <summary>Time between cleanup runs (there is also one at start). Default 1 hour.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows one delete removes; each batch is its own short transaction, so writers are never held up for long. Default 500.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>Whether the job is on. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The cutoff of <paramref name="days"/> before <paramref name="now"/>: rows stamped before it have expired.</summary>
    public static DateTimeOffset Cutoff(DateTimeOffset now, int days) => now - TimeSpan.FromDays(days);

    /// <summary>Whether a document uploaded at <paramref name="createdAt"/> has had its original expired by <paramref name="now"/>.</summary>
    public bool IsOriginalExpired(DateTimeOffset createdAt, DateTimeOffset now) =>
        OriginalFileDays is { } days && createdAt < Cutoff(now, days);

    /// <summary>The document with <see cref="Documents.Document.OriginalExpired"/> set as of <paramref name="now"/>.</summary>
    public Documents.Document WithOriginalState(Documents.Document document, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(document);
        return document with { OriginalExpired = IsOriginalExpired(document.CreatedAt, now) };
    }
}
