namespace AgentRag.Core.Retention;

/// <summary>
/// The storage side of retention: deletes expired rows in bounded batches and gives the freed space back. Every delete
/// is one short transaction of at most <c>batchSize</c> rows (call again until it returns fewer), so writers wait for at
/// most one batch. Idempotent: a row already gone is not counted. Implementations are thread-safe.
/// </summary>
public interface IRetentionStore
{
    /// <summary>Deletes up to <paramref name="batchSize"/> rows of <paramref name="rule"/> stamped before <paramref name="cutoff"/>; returns how many.</summary>
    Task<int> DeleteExpiredAsync(RetentionRule rule, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes up to <paramref name="batchSize"/> finished workflows (status completed, failed or cancelled) whose state
    /// last changed before <paramref name="cutoff"/>: their actor state, reminders and event stream, together. Workflows
    /// still running or waiting for an approval are kept whatever their age. Returns how many workflows were deleted.
    /// </summary>
    Task<int> DeleteFinishedWorkflowsAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="batchSize"/> documents uploaded before <paramref name="cutoff"/>, of every tenant, ordered by
    /// tenant and id after <paramref name="after"/> (null: from the start), for the job that deletes their originals.
    /// </summary>
    Task<IReadOnlyList<DocumentOriginal>> ListDocumentsCreatedBeforeAsync(
        DateTimeOffset cutoff, DocumentOriginal? after, int batchSize, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives the space freed by deletes back to the file system where the backend does it itself (SQLite: incremental
    /// vacuum, then a WAL checkpoint); returns the bytes the database shrank by (0 where the server reclaims space on its
    /// own, as PostgreSQL's autovacuum does).
    /// </summary>
    Task<long> ReclaimSpaceAsync(CancellationToken cancellationToken = default);
}

/// <summary>A document and the key of its original (its <c>StoredPath</c>).</summary>
public sealed record DocumentOriginal(string TenantId, string DocumentId, string StoredPath);
