using System.Threading.Channels;
using AgentRag.Core;
using AgentRag.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Ingestion.Pipeline;

/// <summary>
/// Processes queued documents in the background, a few at a time, and at start resumes documents that a previous
/// process left pending or processing (crash recovery). Recovery runs only in the process that holds the data
/// folder's worker lock, so two processes never resume the same document.
/// </summary>
public sealed partial class IngestionWorker(
    DocumentIngestionService ingestion,
    IDocumentStore store,
    DataFolder dataFolder,
    IOptions<IngestionOptions> options,
    ILogger<IngestionWorker> logger) : BackgroundService
{
    private readonly Channel<(string TenantId, string DocumentId)> _queue = Channel.CreateUnbounded<(string, string)>();
    private readonly TaskCompletionSource _recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FileStream? _workerLock;

    /// <summary>Completes once unfinished documents from earlier runs have been queued again.</summary>
    public Task Recovered => _recovered.Task;

    /// <summary>Queues a document for processing. Thread-safe.</summary>
    public void Enqueue(string tenantId, string documentId) => _queue.Writer.TryWrite((tenantId, documentId));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await ResumeUnfinishedAsync(stoppingToken);
        }
        finally
        {
            _recovered.TrySetResult();
        }

        var workers = Enumerable.Range(0, options.Value.MaxConcurrentDocuments)
            .Select(_ => ProcessQueueAsync(stoppingToken));
        await Task.WhenAll(workers);
    }

    /// <summary>Queues every pending or processing document, if this process can take the worker lock.</summary>
    public async Task<int> ResumeUnfinishedAsync(CancellationToken cancellationToken = default)
    {
        if (!TryAcquireWorkerLock(dataFolder, out _workerLock))
        {
            LogRecoverySkipped(dataFolder.Root);
            return 0;
        }

        var unfinished = await store.ListUnfinishedAsync(cancellationToken);
        foreach (var document in unfinished)
        {
            LogResuming(document.Id, document.FileName, document.Stage.ToString());
            Enqueue(document.TenantId, document.Id);
        }

        return unfinished.Count;
    }

    /// <summary>
    /// Takes the data folder's worker lock (an exclusive lock on a file, released by the OS if the process dies).
    /// </summary>
    public static bool TryAcquireWorkerLock(DataFolder dataFolder, out FileStream? lockFile)
    {
        try
        {
            lockFile = new FileStream(dataFolder.WorkerLockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return true;
        }
        catch (IOException)
        {
            lockFile = null;
            return false;
        }
    }

    public override void Dispose()
    {
        _workerLock?.Dispose();
        base.Dispose();
    }

    private async Task ProcessQueueAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (tenantId, documentId) in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await ingestion.ProcessAsync(tenantId, documentId, stoppingToken);
                }
                catch (InvalidOperationException ex)
                {
                    LogSkipped(documentId, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: unfinished documents are resumed at the next start.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming ingestion of {DocumentId} ({FileName}), interrupted at {Stage}")]
    private partial void LogResuming(string documentId, string fileName, string stage);

    [LoggerMessage(Level = LogLevel.Information, Message = "Another process holds the worker lock of {DataFolder}; it resumes unfinished documents")]
    private partial void LogRecoverySkipped(string dataFolder);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Skipped {DocumentId}: {Reason}")]
    private partial void LogSkipped(string documentId, string reason);
}
