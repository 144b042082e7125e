using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AgentRag.Agents.Approvals;
using AgentRag.Agents.Workflows;
using AgentRag.Server.Apis;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace AgentRag.Server.Streaming;

/// <summary>
/// Describes the event streams in the OpenAPI document: a schema per event data type (in <c>components.schemas</c>),
/// and on each streaming operation a <c>text/event-stream</c> response whose schema is one of them, with the
/// extension <c>x-sse-events</c> mapping each SSE <c>event</c> name to its schema (<c>message</c> for the data-only
/// OpenAI-compatible stream). A client decodes an event by looking its name up there.
/// </summary>
public static class EventStreamSchemas
{
    /// <summary>The extension naming each event's schema.</summary>
    public const string EventsExtension = "x-sse-events";

    private static readonly (string Type, Type Data)[] ApprovalTypes =
    [
        (ApprovalEvents.Required, typeof(ApprovalRequestEvent)),
        (ApprovalEvents.Resolved, typeof(ApprovalResolvedEvent)),
        (ApprovalEvents.Expiring, typeof(ApprovalRequestEvent)),
        (ApprovalEvents.Escalated, typeof(ApprovalRequestEvent)),
    ];

    private static readonly (string Type, Type Data)[] DocumentTypes =
    [
        (DocumentEventRecorder.ProgressEvent, typeof(DocumentEvent)),
        (DocumentEventRecorder.ReadyEvent, typeof(DocumentEvent)),
        (DocumentEventRecorder.FailedEvent, typeof(DocumentEvent)),
        (DocumentEventRecorder.EmbeddingEvent, typeof(DocumentEvent)),
        (DocumentEventRecorder.EmbeddedEvent, typeof(DocumentEvent)),
    ];

    /// <summary>The events of each streaming operation, by operation id (<c>.WithName</c>).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<(string Type, Type Data)>> Operations { get; } =
        new Dictionary<string, IReadOnlyList<(string Type, Type Data)>>(StringComparer.Ordinal)
        {
            ["AskQuery"] = WorkflowEventJson.Types,
            ["StreamQueryEvents"] = WorkflowEventJson.Types,
            ["StreamApprovalEvents"] = ApprovalTypes,
            ["StreamDocumentEvents"] = DocumentTypes,
            ["CreateChatCompletion"] = [("message", typeof(ChatCompletionChunk))],
            ["StreamAdminMetrics"] = [(DashboardApi.SnapshotEvent, typeof(Dashboard.LiveSnapshot))],
        };

    /// <summary>Adds the event schemas to the document <paramref name="options"/> builds.</summary>
    public static OpenApiOptions AddEventStreamSchemas(this OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.AddDocumentTransformer(async (document, context, cancellationToken) =>
        {
            foreach (var (path, item) in document.Paths)
            {
                foreach (var (_, operation) in item.Operations ?? [])
                {
                    if (operation.OperationId is not { } id || !Operations.TryGetValue(id, out var events))
                    {
                        continue;
                    }

                    var names = new JsonObject();
                    var schemas = new List<IOpenApiSchema>();
                    foreach (var (type, data) in events)
                    {
                        var reference = await ReferenceAsync(document, context, data, cancellationToken);
                        names[type] = new JsonObject { ["$ref"] = $"#/components/schemas/{data.Name}" };
                        if (!schemas.OfType<OpenApiSchemaReference>().Any(s => s.Reference.Id == data.Name))
                        {
                            schemas.Add(reference);
                        }
                    }

                    operation.Responses ??= [];
                    if (!operation.Responses.TryGetValue("200", out var ok) || ok is not OpenApiResponse response)
                    {
                        throw new InvalidOperationException($"The streaming operation {id} ({path}) documents no 200 response.");
                    }

                    response.Content ??= new Dictionary<string, OpenApiMediaType>();
                    response.Content["text/event-stream"] = new OpenApiMediaType
                    {
                        Schema = schemas.Count == 1 ? schemas[0] : new OpenApiSchema { OneOf = schemas },
                    };
                    operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                    operation.Extensions[EventsExtension] = new JsonNodeExtension(names);
                }
            }

            var nullability = new NullabilityInfoContext();
            foreach (var data in Operations.Values.SelectMany(e => e).Select(e => e.Data).Distinct())
            {
                AllowNulls(document.Components!.Schemas![data.Name], data, nullability, depth: 0);
            }
        });
    }

    /// <summary>
    /// The generator writes a nullable property of an object type (e.g. <c>routing</c>, a <c>RoutingDecision?</c>) as
    /// that object alone, which rejects the <c>null</c> the server sends: such a property becomes "null or the object",
    /// in <paramref name="type"/>'s schema and the schemas it contains.
    /// </summary>
    private static void AllowNulls(IOpenApiSchema schema, Type type, NullabilityInfoContext nullability, int depth)
    {
        if (depth > 8 || schema is not OpenApiSchema target)
        {
            return;
        }

        if (target.Items is { } items && ElementType(type) is { } element)
        {
            AllowNulls(items, element, nullability, depth + 1);
        }

        if (target.Properties is not { } properties)
        {
            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            if (!properties.TryGetValue(name, out var propertySchema))
            {
                continue;
            }

            AllowNulls(propertySchema, Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType, nullability, depth + 1);
            var isObject = propertySchema is OpenApiSchemaReference || (propertySchema is OpenApiSchema { Type: { } kind } && kind.HasFlag(JsonSchemaType.Object) && !kind.HasFlag(JsonSchemaType.Null));
            if (isObject && nullability.Create(property).ReadState == NullabilityState.Nullable)
            {
                properties[name] = new OpenApiSchema { OneOf = [new OpenApiSchema { Type = JsonSchemaType.Null }, propertySchema] };
            }
        }
    }

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType() : type.IsGenericType && type.GetGenericArguments() is [var element] ? element : null;

    private static async Task<OpenApiSchemaReference> ReferenceAsync(
        OpenApiDocument document, OpenApiDocumentTransformerContext context, Type data, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (!document.Components.Schemas.ContainsKey(data.Name))
        {
            document.AddComponent(data.Name, await context.GetOrCreateSchemaAsync(data, cancellationToken: cancellationToken));
        }

        return new OpenApiSchemaReference(data.Name, document);
    }
}
