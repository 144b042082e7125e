namespace AgentRag.Core.Events;

/// <summary>One event of a durable stream. <see cref="Sequence"/> is 1-based and gapless within its stream.</summary>
public sealed record StoredEvent(string TenantId, string StreamId, long Sequence, string Type, string Data, DateTimeOffset Timestamp);

/// <summary>
/// Append-only, per-stream event logs (a workflow's events, a document's progress) that clients replay with
/// <c>Last-Event-ID</c>. Thread-safe. Appends to one stream are numbered in call order.
/// </summary>
public interface IEventLog
{
    /// <summary>
    /// Numbers the event, publishes it to live subscribers, and queues it for the next group commit.
    /// With <paramref name="waitForCommit"/> the call returns once the event is durable; without it, within the
    /// writer's commit interval (events that were not committed before a crash are lost, never reordered).
    /// </summary>
    Task<StoredEvent> AppendAsync(string tenantId, string streamId, string type, string data, bool waitForCommit = true, CancellationToken cancellationToken = default);

    /// <summary>Committed events with a sequence greater than <paramref name="afterSequence"/>, oldest first.</summary>
    Task<IReadOnlyList<StoredEvent>> ReadAsync(string tenantId, string streamId, long afterSequence, int maxCount = 1000, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts receiving the stream's new events. Subscribe before reading the backlog and skip sequences already
    /// read, so nothing is missed between the two.
    /// </summary>
    EventSubscription Subscribe(string tenantId, string streamId);

    /// <summary>Deletes the stream's events. Idempotent.</summary>
    Task DeleteStreamAsync(string tenantId, string streamId, CancellationToken cancellationToken = default);
}
