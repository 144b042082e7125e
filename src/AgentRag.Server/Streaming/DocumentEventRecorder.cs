using System.Text.Json;
using AgentRag.Core.Documents;
using AgentRag.Core.Events;
using AgentRag.Ingestion.Pipeline;

namespace AgentRag.Server.Streaming;

/// <summary>
/// Records every ingestion event in the document's durable event stream (<c>document:{id}</c>), so that
/// <c>GET /v1/documents/{id}/events</c> can replay what a client missed. Event types: <c>progress</c>,
/// <c>ready</c>, <c>failed</c>; each event's <c>attempt</c> is the run it belongs to (the document's <c>attempts</c>).
/// </summary>
public sealed class DocumentEventRecorder(IngestionEventHub hub, IEventLog eventLog, ILogger<DocumentEventRecorder> logger) : BackgroundService
{
    public const string ProgressEvent = "progress";
    public const string ReadyEvent = "ready";
    public const string FailedEvent = "failed";

    private IngestionEventHub.Subscription? _subscription;

    public static string StreamId(string documentId) => "document:" + documentId;

    public static bool IsFinal(StoredEvent stored) => stored.Type is ReadyEvent or FailedEvent;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Subscribe before the host starts ingesting, so no event is missed.
        _subscription = hub.Subscribe();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var e in _subscription!.ReadAllAsync(stoppingToken))
            {
                var type = e.Status switch
                {
                    DocumentStatus.Ready => ReadyEvent,
                    DocumentStatus.Failed => FailedEvent,
                    _ => ProgressEvent,
                };
                var data = JsonSerializer.Serialize(new
                {
                    documentId = e.DocumentId,
                    status = e.Status.ToString().ToLowerInvariant(),
                    stage = e.Stage.ToString().ToLowerInvariant(),
                    progress = e.Progress,
                    message = e.Message,
                    error = e.Error,
                    timestamp = e.Timestamp,
                    attempt = e.Attempt,
                });
                try
                {
                    await eventLog.AppendAsync(e.TenantId, StreamId(e.DocumentId), type, data, waitForCommit: false, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Could not record an ingestion event of {DocumentId}", e.DocumentId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        _subscription?.Dispose();
        base.Dispose();
    }
}
