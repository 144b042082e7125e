using System.Text.Json;
using AgentRag.Agents.Workflows;
using AgentRag.Core;
using AgentRag.Core.Approvals;
using AgentRag.Core.Events;
using AgentRag.Core.Serialization;

namespace AgentRag.Agents.Approvals;

/// <summary>
/// Sends approval notifications beyond the workflow's own stream: to the tenant's approvals stream
/// (<see cref="ApprovalEvents.TenantStreamId"/>, for inboxes, with replay) and to the tenant's webhook when one is
/// configured. Never blocks on delivery. Thread-safe.
/// </summary>
public sealed class ApprovalNotifier(IEventLog eventLog, ApprovalWebhookDispatcher webhooks, ApprovalOptions options)
{
    /// <summary>Appends <paramref name="eventType"/> with <paramref name="payload"/> to the tenant stream and queues the webhook delivery.</summary>
    public async Task PublishAsync(string eventType, ApprovalRecord record, WorkflowEventData payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var data = WorkflowEventJson.Serialize(payload);
        // Not waiting for the commit: the workflow's own events are durable already; this is a copy for inboxes.
        var stored = await eventLog.AppendAsync(record.TenantId, ApprovalEvents.TenantStreamId, eventType, data, waitForCommit: false, cancellationToken);
        if (options.For(record.TenantId).Webhook is { } webhook)
        {
            var deliveryId = Ids.New("whd");
            using var payloadJson = JsonDocument.Parse(data);
            var body = JsonSerializer.Serialize(
                new ApprovalWebhookBody(deliveryId, eventType, record.TenantId, stored.Sequence, stored.Timestamp, payloadJson.RootElement, record), AgentRagJson.Options);
            webhooks.Enqueue(webhook, record.TenantId, eventType, deliveryId, body);
        }
    }
}

/// <summary>A webhook delivery's body: the event (<paramref name="Data"/> as on the streams) and the approval it is about.</summary>
public sealed record ApprovalWebhookBody(string Id, string Type, string TenantId, long Sequence, DateTimeOffset OccurredAt, JsonElement Data, ApprovalRecord Approval);
