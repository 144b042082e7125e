using AgentRag.Core.Events;

namespace AgentRag.Runtime.Dapr.Events;

/// <summary>
/// Decorates the storage backend's <see cref="IEventLog"/>: after an append, the integration event it stands for
/// (<see cref="IntegrationEvent.From"/>) is queued on <see cref="DaprEventPublisher"/>, which publishes it through the
/// sidecar. The append itself is unchanged and never waits for the broker. Thread-safe.
/// </summary>
internal sealed class IntegrationEventLog(IEventLog inner, DaprEventPublisher publisher) : IEventLog
{
    public async Task<StoredEvent> AppendAsync(string tenantId, string streamId, string type, string data, bool waitForCommit = true, CancellationToken cancellationToken = default)
    {
        var stored = await inner.AppendAsync(tenantId, streamId, type, data, waitForCommit, cancellationToken);
        if (IntegrationEvent.From(stored) is { } integration)
        {
            publisher.Enqueue(integration);
        }

        return stored;
    }

    public Task<IReadOnlyList<StoredEvent>> ReadAsync(string tenantId, string streamId, long afterSequence, int maxCount = 1000, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(tenantId, streamId, afterSequence, maxCount, cancellationToken);

    public EventSubscription Subscribe(string tenantId, string streamId) => inner.Subscribe(tenantId, streamId);

    public Task DeleteStreamAsync(string tenantId, string streamId, CancellationToken cancellationToken = default) =>
        inner.DeleteStreamAsync(tenantId, streamId, cancellationToken);
}
