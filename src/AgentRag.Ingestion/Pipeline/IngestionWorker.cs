using AgentRag.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Ingestion.Pipeline;

/// <summary>
/// Processes the documents of the <see cref="IIngestionQueue"/> in the background,
/// <see cref="IngestionOptions.MaxConcurrentDocuments"/> at a time, and at start has the queue resume the documents a
/// previous process left pending or processing (crash recovery; the queue decides which process recovers).
/// </summary>
public sealed partial class IngestionWorker(
    DocumentIngestionService ingestion,
    IIngestionQueue queue,
    IOptions<IngestionOptions> options,
    ILogger<IngestionWorker> logger) : BackgroundService
{
    private readonly TaskCompletionSource _recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once unfinished documents from earlier runs have been queued again.</summary>
    public Task Recovered => _recovered.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await queue.RecoverAsync(stoppingToken);
        }
        finally
        {
            _recovered.TrySetResult();
        }

        var workers = Enumerable.Range(0, options.Value.MaxConcurrentDocuments)
            .Select(_ => ProcessQueueAsync(stoppingToken));
        await Task.WhenAll(workers);
    }

    private async Task ProcessQueueAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var job in queue.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await ingestion.ProcessAsync(job.TenantId, job.DocumentId, stoppingToken);
                }
                catch (InvalidOperationException ex)
                {
                    LogSkipped(job.DocumentId, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: unfinished documents are resumed at the next start.
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Skipped {DocumentId}: {Reason}")]
    private partial void LogSkipped(string documentId, string reason);
}
