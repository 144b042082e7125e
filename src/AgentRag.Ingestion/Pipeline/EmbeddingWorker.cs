using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Ingestion.Pipeline;

/// <summary>
/// Runs the background semantic stage (<see cref="DocumentEmbeddingService"/>) one document at a time: at start it queues
/// every ready document not fully embedded with the configured model (a crash, an upgrade, a model change: that is how a
/// model change re-embeds automatically), then embeds what ingestion hands it, and every
/// <see cref="IngestionOptions.EmbeddingPollInterval"/> looks again for documents another process left. The stage yields
/// to documents being taken to ready (see <c>IngestionActivity</c>). A failed document is logged and tried again at the
/// next look; it stays ready (keyword-searchable) meanwhile. Does nothing when no embedding model is configured.
/// </summary>
public sealed partial class EmbeddingWorker(
    DocumentEmbeddingService embedding,
    IOptions<IngestionOptions> options,
    TimeProvider time,
    ILogger<EmbeddingWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!embedding.IsEnabled)
        {
            return;
        }

        try
        {
            var awaiting = await embedding.EnqueueAwaitingAsync(stoppingToken);
            if (awaiting > 0)
            {
                LogResuming(awaiting, embedding.Model!);
            }

            using var poll = new PeriodicTimer(options.Value.EmbeddingPollInterval, time);
            var polling = PollAsync(poll, stoppingToken);
            await foreach (var (tenantId, documentId) in embedding.ReadQueueAsync(stoppingToken))
            {
                try
                {
                    await embedding.EmbedAsync(tenantId, documentId, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogFailed(ex, documentId, ex.Message);
                }
            }

            await polling;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what is left is found again at the next start.
        }
    }

    private async Task PollAsync(PeriodicTimer poll, CancellationToken stoppingToken)
    {
        try
        {
            while (await poll.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await embedding.EnqueueAwaitingAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogFailed(ex, "(poll)", ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedding {Documents} ready document(s) with {Model} in the background")]
    private partial void LogResuming(int documents, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedding {DocumentId} failed; it stays keyword-searchable and is tried again: {Reason}")]
    private partial void LogFailed(Exception exception, string documentId, string reason);
}
