using System.Collections.Concurrent;
using System.Threading.Channels;

namespace AgentRag.Core.Events;

/// <summary>A live feed of one stream's events; dispose it to stop receiving. Buffers up to 10,000 events.</summary>
public sealed class EventSubscription : IDisposable
{
    private readonly Action<EventSubscription> _unsubscribe;
    private readonly Channel<StoredEvent> _channel = Channel.CreateBounded<StoredEvent>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    internal EventSubscription(Action<EventSubscription> unsubscribe) => _unsubscribe = unsubscribe;

    public IAsyncEnumerable<StoredEvent> ReadAllAsync(CancellationToken cancellationToken = default) =>
        _channel.Reader.ReadAllAsync(cancellationToken);

    public ChannelReader<StoredEvent> Reader => _channel.Reader;

    internal void Deliver(StoredEvent storedEvent) => _channel.Writer.TryWrite(storedEvent);

    public void Dispose()
    {
        _unsubscribe(this);
        _channel.Writer.TryComplete();
    }
}

/// <summary>In-process fan-out of appended events to the subscriptions of their stream. Thread-safe.</summary>
public sealed class EventBroadcaster
{
    private readonly ConcurrentDictionary<(string Tenant, string Stream), ConcurrentDictionary<EventSubscription, byte>> _streams = new();

    public EventSubscription Subscribe(string tenantId, string streamId)
    {
        var key = (tenantId, streamId);
        EventSubscription? subscription = null;
        subscription = new EventSubscription(s =>
        {
            if (_streams.TryGetValue(key, out var set))
            {
                set.TryRemove(s, out _);
            }
        });
        _streams.GetOrAdd(key, _ => new()).TryAdd(subscription, 0);
        return subscription;
    }

    /// <summary>True when the stream has at least one live subscription.</summary>
    public bool HasSubscribers(string tenantId, string streamId) =>
        _streams.TryGetValue((tenantId, streamId), out var set) && !set.IsEmpty;

    public void Publish(StoredEvent storedEvent)
    {
        if (_streams.TryGetValue((storedEvent.TenantId, storedEvent.StreamId), out var set))
        {
            foreach (var subscription in set.Keys)
            {
                subscription.Deliver(storedEvent);
            }
        }
    }
}
