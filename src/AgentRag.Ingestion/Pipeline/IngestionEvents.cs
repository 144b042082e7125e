using System.Collections.Concurrent;
using System.Threading.Channels;
using AgentRag.Core.Documents;

namespace AgentRag.Ingestion.Pipeline;

/// <summary>
/// A change in a document's ingestion state, published in process as it happens. <paramref name="Attempt"/> is the
/// document's run number (<see cref="Document.Attempts"/>): it tells one run's end from the next on any clock.
/// </summary>
public sealed record IngestionEvent(
    string TenantId,
    string DocumentId,
    DocumentStatus Status,
    IngestionStage Stage,
    int Progress,
    string? Message,
    string? Error,
    DateTimeOffset Timestamp,
    int Attempt,
    int ChunkCount = 0,
    int EmbeddedChunks = 0,
    string? EmbeddingModel = null)
{
    public static IngestionEvent From(Document document, DateTimeOffset timestamp) => new(
        document.TenantId, document.Id, document.Status, document.Stage, document.Progress,
        document.ProgressMessage, document.Error, timestamp, document.Attempts, document.ChunkCount, document.EmbeddedChunks, document.EmbeddingModel);

    /// <summary>True for the last event a document's ingestion run publishes (ready: keyword-searchable; or failed).</summary>
    public bool IsTerminal => Status is DocumentStatus.Failed || (Status is DocumentStatus.Ready && Stage is not IngestionStage.Embedding);

    /// <summary>True for an event of the background semantic stage that follows ready (<see cref="DocumentEmbeddingService"/>).</summary>
    public bool IsEmbedding => Status is DocumentStatus.Ready && Stage is IngestionStage.Embedding;

    /// <summary>True for the semantic stage's last event: every chunk has a vector.</summary>
    public bool IsEmbeddingComplete => IsEmbedding && EmbeddingModel is not null && EmbeddedChunks >= ChunkCount;
}

/// <summary>
/// In-process publish/subscribe of <see cref="IngestionEvent"/>s. Thread-safe. A slow subscriber never blocks
/// ingestion: each subscription buffers up to 1,024 events and then drops the oldest.
/// </summary>
public sealed class IngestionEventHub
{
    private readonly ConcurrentDictionary<Subscription, byte> _subscriptions = new();

    public void Publish(IngestionEvent ingestionEvent)
    {
        foreach (var subscription in _subscriptions.Keys)
        {
            subscription.Channel.Writer.TryWrite(ingestionEvent);
        }
    }

    /// <summary>Starts buffering every event published from this call on, until the subscription is disposed.</summary>
    public Subscription Subscribe()
    {
        var subscription = new Subscription(this);
        _subscriptions.TryAdd(subscription, 0);
        return subscription;
    }

    /// <summary>A live feed of events; dispose it to stop receiving.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly IngestionEventHub _hub;

        internal Subscription(IngestionEventHub hub) => _hub = hub;

        internal Channel<IngestionEvent> Channel { get; } = System.Threading.Channels.Channel.CreateBounded<IngestionEvent>(
            new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

        public IAsyncEnumerable<IngestionEvent> ReadAllAsync(CancellationToken cancellationToken = default) =>
            Channel.Reader.ReadAllAsync(cancellationToken);

        public void Dispose()
        {
            _hub._subscriptions.TryRemove(this, out _);
            Channel.Writer.TryComplete();
        }
    }
}
