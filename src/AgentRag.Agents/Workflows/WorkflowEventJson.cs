using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using AgentRag.Agents.Approvals;
using AgentRag.Core.Serialization;

namespace AgentRag.Agents.Workflows;

/// <summary>
/// Serializes and reads <see cref="WorkflowEventData"/> with source-generated metadata under
/// <see cref="AgentRagJson"/>'s conventions (camelCase, snake_case enums). Thread-safe.
/// </summary>
public static class WorkflowEventJson
{
    private static readonly WorkflowEventJsonContext Context = new(AgentRagJson.Apply(new JsonSerializerOptions(JsonSerializerDefaults.Web)));

    /// <summary>
    /// Every event type of a workflow's stream with its data type, in the order a workflow emits them (the approval
    /// events, also on the tenant's stream, last). The OpenAPI document describes each.
    /// </summary>
    public static IReadOnlyList<(string Type, Type Data)> Types { get; } =
    [
        (WorkflowEvents.Plan, typeof(PlanEvent)),
        (WorkflowEvents.StepStarted, typeof(StepStartedEvent)),
        (WorkflowEvents.StepProgress, typeof(StepProgressEvent)),
        (WorkflowEvents.Token, typeof(TokenEvent)),
        (WorkflowEvents.TokenReset, typeof(TokenResetEvent)),
        (WorkflowEvents.StepCompleted, typeof(StepCompletedEvent)),
        (WorkflowEvents.StepFailed, typeof(StepFailedEvent)),
        (WorkflowEvents.Citations, typeof(CitationsEvent)),
        (WorkflowEvents.Usage, typeof(UsageEvent)),
        (WorkflowEvents.Done, typeof(DoneEvent)),
        (WorkflowEvents.Error, typeof(ErrorEvent)),
        (WorkflowEvents.ApprovalRequired, typeof(ApprovalRequestEvent)),
        (WorkflowEvents.ApprovalResolved, typeof(ApprovalResolvedEvent)),
        (WorkflowEvents.ApprovalExpiring, typeof(ApprovalRequestEvent)),
        (WorkflowEvents.ApprovalEscalated, typeof(ApprovalRequestEvent)),
    ];

    /// <summary>The event's data as JSON (the stored and streamed form).</summary>
    /// <exception cref="NotSupportedException">The data's type is not one of <see cref="Types"/>.</exception>
    public static string Serialize(WorkflowEventData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return JsonSerializer.Serialize(data, TypeInfo(data.GetType()));
    }

    /// <summary>Reads an event's data; members an older version did not write keep their defaults.</summary>
    /// <exception cref="JsonException"><paramref name="json"/> is not the data of a <typeparamref name="T"/>.</exception>
    public static T Deserialize<T>(string json)
        where T : WorkflowEventData =>
        JsonSerializer.Deserialize(json, (JsonTypeInfo<T>)TypeInfo(typeof(T))) ?? throw new JsonException($"The {typeof(T).Name} data is null.");

    /// <summary>Reads the data of an event of type <paramref name="type"/> (one of <see cref="Types"/>) into its record.</summary>
    /// <exception cref="NotSupportedException"><paramref name="type"/> is not a workflow event type.</exception>
    /// <exception cref="JsonException"><paramref name="json"/> is not that event's data.</exception>
    public static WorkflowEventData Deserialize(string type, string json)
    {
        var data = Types.FirstOrDefault(t => t.Type == type).Data ?? throw new NotSupportedException($"'{type}' is not a workflow event type.");
        return (WorkflowEventData?)JsonSerializer.Deserialize(json, TypeInfo(data)) ?? throw new JsonException($"The '{type}' data is null.");
    }

    private static JsonTypeInfo TypeInfo(Type type) =>
        Context.GetTypeInfo(type) ?? throw new NotSupportedException($"{type.Name} is not a workflow event data type.");
}

[JsonSerializable(typeof(PlanEvent))]
[JsonSerializable(typeof(StepStartedEvent))]
[JsonSerializable(typeof(StepProgressEvent))]
[JsonSerializable(typeof(TokenEvent))]
[JsonSerializable(typeof(TokenResetEvent))]
[JsonSerializable(typeof(StepCompletedEvent))]
[JsonSerializable(typeof(StepFailedEvent))]
[JsonSerializable(typeof(CitationsEvent))]
[JsonSerializable(typeof(UsageEvent))]
[JsonSerializable(typeof(DoneEvent))]
[JsonSerializable(typeof(ErrorEvent))]
[JsonSerializable(typeof(ApprovalRequestEvent))]
[JsonSerializable(typeof(ApprovalResolvedEvent))]
internal sealed partial class WorkflowEventJsonContext : JsonSerializerContext;
