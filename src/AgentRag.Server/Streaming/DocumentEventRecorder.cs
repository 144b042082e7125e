using System.Text.Json;
using System.Text.Json.Serialization;
using AgentRag.Core.Documents;
using AgentRag.Core.Events;
using AgentRag.Ingestion.Pipeline;

namespace AgentRag.Server.Streaming;

/// <summary>
/// Records every ingestion event in the document's durable event stream (<c>document:{id}</c>), so that
/// <c>GET /v1/documents/{id}/events</c> can replay what a client missed. Event types: <c>progress</c>,
/// <c>ready</c> (keyword-searchable), <c>failed</c>, then the background semantic stage's <c>embedding</c> (progress,
/// <c>embeddedChunks</c> of <c>chunkCount</c>) and <c>embedded</c> (every chunk has a vector); each event's
/// <c>attempt</c> is the run it belongs to (the document's <c>attempts</c>).
/// </summary>
public sealed class DocumentEventRecorder(IngestionEventHub hub, IEventLog eventLog, ILogger<DocumentEventRecorder> logger) : BackgroundService
{
    public const string ProgressEvent = "progress";
    public const string ReadyEvent = "ready";
    public const string FailedEvent = "failed";
    public const string EmbeddingEvent = "embedding";
    public const string EmbeddedEvent = "embedded";

    private IngestionEventHub.Subscription? _subscription;

    public static string StreamId(string documentId) => "document:" + documentId;

    /// <summary>
    /// True for an event that ends a stream: a run's end (<c>ready</c>, <c>failed</c>) or the semantic stage's
    /// (<c>embedded</c>). A client that follows from the start stops at <c>ready</c>; reconnecting with its id follows the
    /// <c>embedding</c> events until <c>embedded</c>.
    /// </summary>
    public static bool IsFinal(StoredEvent stored) => stored.Type is ReadyEvent or FailedEvent or EmbeddedEvent;

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
                var type = e switch
                {
                    { IsEmbeddingComplete: true } => EmbeddedEvent,
                    { IsEmbedding: true } => EmbeddingEvent,
                    { Status: DocumentStatus.Ready } => ReadyEvent,
                    { Status: DocumentStatus.Failed } => FailedEvent,
                    _ => ProgressEvent,
                };
                var data = JsonSerializer.Serialize(
                    new DocumentEvent(e.DocumentId, e.Status.ToString().ToLowerInvariant(), e.Stage.ToString().ToLowerInvariant(), e.Progress, e.Message, e.Error, e.Timestamp, e.Attempt,
                        e.ChunkCount, e.EmbeddedChunks, e.EmbeddingModel),
                    DocumentEventJsonContext.Default.DocumentEvent);
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

/// <summary>
/// The data of a document event (<c>progress</c>, <c>ready</c>, <c>failed</c>, <c>embedding</c>, <c>embedded</c>): the
/// document's status and ingestion stage (lowercase; <c>embedding</c> for the semantic stage after ready), the run's
/// progress (0–100), a message, the error of a failed run, when, the run's number, and the semantic progress:
/// <c>embeddedChunks</c> of <c>chunkCount</c> with <c>embeddingModel</c>.
/// </summary>
public sealed record DocumentEvent(
    [property: JsonPropertyName("documentId")] string DocumentId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("stage")] string Stage,
    [property: JsonPropertyName("progress")] int Progress,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("chunkCount")] int ChunkCount = 0,
    [property: JsonPropertyName("embeddedChunks")] int EmbeddedChunks = 0,
    [property: JsonPropertyName("embeddingModel")] string? EmbeddingModel = null);

/// <summary>Source-generated JSON of <see cref="DocumentEvent"/>, with the serializer's defaults as before the type existed.</summary>
[JsonSerializable(typeof(DocumentEvent))]
public sealed partial class DocumentEventJsonContext : JsonSerializerContext;
