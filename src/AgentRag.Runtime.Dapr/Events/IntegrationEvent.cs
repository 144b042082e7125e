using System.Text.Json;

namespace AgentRag.Runtime.Dapr.Events;

/// <summary>
/// An integration event the app publishes on <see cref="DaprRuntimeOptions.Topic"/> (the <c>data</c> of a CloudEvent):
/// <c>document.ready</c>, <c>document.failed</c>, <c>workflow.completed</c>, <c>workflow.failed</c>.
/// </summary>
/// <param name="Type">What happened.</param>
/// <param name="TenantId">The tenant it happened in.</param>
/// <param name="Subject">The document or workflow id.</param>
/// <param name="Sequence">The event's sequence in the subject's durable stream (with the subject, an idempotency key).</param>
/// <param name="OccurredAt">When the event was recorded.</param>
/// <param name="Data">The stream event's own data (as the SSE stream carries it).</param>
public sealed record IntegrationEvent(string Type, string TenantId, string Subject, long Sequence, DateTimeOffset OccurredAt, JsonElement Data)
{
    public const string DocumentReady = "document.ready";
    public const string DocumentFailed = "document.failed";
    public const string WorkflowCompleted = "workflow.completed";
    public const string WorkflowFailed = "workflow.failed";

    /// <summary>
    /// The integration event a stored stream event stands for, or null: a document stream's <c>ready</c> or <c>failed</c>,
    /// a workflow stream's <c>done</c> or <c>error</c> (streams <c>document:{id}</c> and <c>workflow:{id}</c>).
    /// </summary>
    public static IntegrationEvent? From(Core.Events.StoredEvent stored)
    {
        var separator = stored.StreamId.IndexOf(':', StringComparison.Ordinal);
        if (separator <= 0)
        {
            return null;
        }

        var type = (stored.StreamId[..separator], stored.Type) switch
        {
            ("document", "ready") => DocumentReady,
            ("document", "failed") => DocumentFailed,
            ("workflow", "done") => WorkflowCompleted,
            ("workflow", "error") => WorkflowFailed,
            _ => null,
        };
        if (type is null)
        {
            return null;
        }

        JsonElement data;
        try
        {
            data = JsonDocument.Parse(stored.Data).RootElement.Clone();
        }
        catch (JsonException)
        {
            data = JsonSerializer.SerializeToElement(stored.Data);
        }

        return new IntegrationEvent(type, stored.TenantId, stored.StreamId[(separator + 1)..], stored.Sequence, stored.Timestamp, data);
    }
}
