using AgentRag.Core;
using AgentRag.Core.Retention;
using AgentRag.Core.Search;
using AgentRag.Core.Sessions;
using AgentRag.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Hosting.Retention;

/// <summary>
/// The one cleanup job of every kind of state (<see cref="RetentionOptions"/>): at start and then every
/// <see cref="RetentionOptions.Interval"/> on the injected <see cref="TimeProvider"/>, it deletes what has expired in bounded
/// batches (the table rules of <see cref="RetentionRules.Tables"/>, finished workflows, expired sessions, and originals past
/// <see cref="RetentionOptions.OriginalFileDays"/>), compacts the search index snapshots when their journals have grown,
/// reclaims the freed space (SQLite incremental vacuum) and measures the storage per tenant
/// (<see cref="StorageUsageMetrics"/>). A failed run is logged and retried at the next interval. Runs one at a time:
/// <see cref="RunOnceAsync"/> waits for a run in progress.
/// </summary>
public sealed partial class RetentionCleanup(
    IRetentionStore store,
    ISessionStore sessions,
    IBlobStore blobs,
    IKeywordIndex keywordIndex,
    IVectorStore vectorStore,
    DataFolder dataFolder,
    IOptions<RetentionOptions> options,
    TimeProvider time,
    ILogger<RetentionCleanup> logger) : BackgroundService
{
    /// <summary>A tenant's index is compacted (a fresh snapshot, an empty journal) once its journals pass this size.</summary>
    public const long CompactJournalBytes = 1 << 20;

    private readonly SemaphoreSlim _running = new(1, 1);

    /// <summary>
    /// Runs the whole cleanup once and reports what it removed. Throws what a store throws (the background loop logs it);
    /// <see cref="OperationCanceledException"/> when cancelled between batches (what was deleted stays deleted).
    /// </summary>
    public async Task<RetentionReport> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            var settings = options.Value;
            var now = time.GetUtcNow();
            var deleted = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var rule in RetentionRules.Tables)
            {
                var cutoff = RetentionOptions.Cutoff(now, rule.Days(settings));
                deleted[rule.Kind] = await DrainAsync(batch => store.DeleteExpiredAsync(rule, cutoff, batch, cancellationToken), settings.BatchSize);
            }

            var workflowCutoff = RetentionOptions.Cutoff(now, settings.WorkflowDays);
            deleted["workflows"] = await DrainAsync(batch => store.DeleteFinishedWorkflowsAsync(workflowCutoff, batch, cancellationToken), settings.BatchSize);
            deleted["sessions"] = await sessions.DeleteExpiredAsync(cancellationToken);
            deleted["originals"] = settings.OriginalFileDays is { } days
                ? await DeleteOriginalsAsync(RetentionOptions.Cutoff(now, days), settings.BatchSize, cancellationToken)
                : 0;

            var compacted = await CompactIndexesAsync(cancellationToken);
            var reclaimed = await store.ReclaimSpaceAsync(cancellationToken);
            StorageUsageMetrics.Update(StorageUsageMetrics.Measure(dataFolder));
            var report = new RetentionReport(now, deleted, compacted, reclaimed);
            if (report.Deleted.Values.Sum() > 0 || reclaimed > 0 || compacted)
            {
                LogRun(report.Summary());
            }

            return report;
        }
        finally
        {
            _running.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.Interval, time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && ex is not ObjectDisposedException)
            {
                LogRunFailed(ex, options.Value.Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override void Dispose()
    {
        base.Dispose();
        _running.Dispose();
    }

    /// <summary>Calls <paramref name="deleteBatch"/> until a batch comes back short; returns the total.</summary>
    private static async Task<int> DrainAsync(Func<int, Task<int>> deleteBatch, int batchSize)
    {
        var total = 0;
        int deleted;
        do
        {
            deleted = await deleteBatch(batchSize);
            total += deleted;
        }
        while (deleted >= batchSize);
        return total;
    }

    /// <summary>Deletes the originals of documents uploaded before the cutoff; returns how many documents still had one.</summary>
    private async Task<int> DeleteOriginalsAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken)
    {
        var count = 0;
        DocumentOriginal? after = null;
        while (true)
        {
            var documents = await store.ListDocumentsCreatedBeforeAsync(cutoff, after, batchSize, cancellationToken);
            foreach (var document in documents)
            {
                using (var original = await blobs.OpenLocalAsync(document.StoredPath, cancellationToken))
                {
                    if (original is null)
                    {
                        continue;
                    }
                }

                await blobs.DeleteOriginalsAsync(document.TenantId, document.DocumentId, cancellationToken);
                count++;
            }

            if (documents.Count < batchSize)
            {
                return count;
            }

            after = documents[^1];
        }
    }

    /// <summary>Snapshots the indexes this process holds when a tenant's journals have grown past <see cref="CompactJournalBytes"/>.</summary>
    private async Task<bool> CompactIndexesAsync(CancellationToken cancellationToken)
    {
        var root = dataFolder.IndexDirectory;
        var grown = Directory.Exists(root) && Directory.EnumerateDirectories(root)
            .Any(tenant => Directory.EnumerateFiles(tenant, "*.journal").Sum(f => new FileInfo(f).Length) > CompactJournalBytes);
        if (!grown)
        {
            return false;
        }

        await keywordIndex.SaveAllAsync(cancellationToken);
        await vectorStore.SaveAllAsync(cancellationToken);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: {Summary}")]
    private partial void LogRun(string summary);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The retention cleanup failed; retrying in {Interval}")]
    private partial void LogRunFailed(Exception exception, TimeSpan interval);
}

/// <summary>What one cleanup run did.</summary>
/// <param name="At">The run's time (the injected clock).</param>
/// <param name="Deleted">Rows (or workflows, sessions, originals) deleted, by kind.</param>
/// <param name="IndexesCompacted">Whether the index snapshots were rewritten.</param>
/// <param name="BytesReclaimed">How much smaller the database files got.</param>
public sealed record RetentionReport(DateTimeOffset At, IReadOnlyDictionary<string, int> Deleted, bool IndexesCompacted, long BytesReclaimed)
{
    public string Summary() =>
        string.Join(", ", Deleted.Select(d => $"{d.Value} {d.Key}")) + $" deleted; {BytesReclaimed} bytes reclaimed" +
        (IndexesCompacted ? "; index snapshots compacted" : "");
}
