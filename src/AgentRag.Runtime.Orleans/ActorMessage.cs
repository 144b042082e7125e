using System.Text.Json;
using AgentRag.Core.Serialization;
using Orleans;
using Orleans.Concurrency;

namespace AgentRag.Runtime.Orleans;

/// <summary>
/// A message to an actor, or its reply, as it crosses replicas: the .NET type of the value and the value as JSON with the
/// product's conventions (the same JSON the state store keeps), or both null for a null value. Immutable.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ActorMessage([property: Id(0)] string? Type, [property: Id(1)] string? Json)
{
    private static readonly ActorMessage Null = new(null, null);

    /// <summary>The message that carries <paramref name="value"/>.</summary>
    public static ActorMessage Pack(object? value) =>
        value is null ? Null : new(TypeName(value.GetType()), JsonSerializer.Serialize(value, value.GetType(), AgentRagJson.Options));

    /// <summary>
    /// The value this message carries. Throws <see cref="InvalidOperationException"/> for a type that is neither the
    /// product's own (an <c>AgentRag.*</c> assembly) nor a primitive: a message names no other type to create.
    /// </summary>
    public object? Unpack()
    {
        if (Type is null || Json is null)
        {
            return null;
        }

        var type = System.Type.GetType(Type, throwOnError: false);
        if (type is null || !(type.IsPrimitive || type == typeof(string) || (type.Assembly.GetName().Name ?? "").StartsWith("AgentRag.", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"An actor message names the type '{Type}', which is not a message type of this product.");
        }

        return JsonSerializer.Deserialize(Json, type, AgentRagJson.Options);
    }

    private static string TypeName(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";
}
