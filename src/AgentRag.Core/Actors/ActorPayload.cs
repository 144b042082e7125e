using System.Text.Json;
using AgentRag.Core.Serialization;

namespace AgentRag.Core.Actors;

/// <summary>
/// How an actor message or reply crosses a process boundary (Orleans silos, the Dapr sidecar): the .NET type of the value
/// and the value as JSON with the product's conventions (the same JSON the state stores keep), or both null for null.
/// Thread-safe.
/// </summary>
public static class ActorPayload
{
    /// <summary>The type name and JSON that carry <paramref name="value"/> (both null for null).</summary>
    public static (string? Type, string? Json) Pack(object? value) =>
        value is null ? (null, null) : (TypeName(value.GetType()), JsonSerializer.Serialize(value, value.GetType(), AgentRagJson.Options));

    /// <summary>
    /// The value <paramref name="type"/> and <paramref name="json"/> carry (null when either is null). Throws
    /// <see cref="InvalidOperationException"/> for a type that is neither the product's own (an <c>AgentRag.*</c>
    /// assembly) nor a primitive or string: a message names no other type to create.
    /// </summary>
    public static object? Unpack(string? type, string? json)
    {
        if (type is null || json is null)
        {
            return null;
        }

        var resolved = Type.GetType(type, throwOnError: false);
        if (resolved is null || !(resolved.IsPrimitive || resolved == typeof(string) || IsProductType(resolved)))
        {
            throw new InvalidOperationException($"An actor message names the type '{type}', which is not a message type of this product.");
        }

        return JsonSerializer.Deserialize(json, resolved, AgentRagJson.Options);
    }

    /// <summary>True for a type of one of the product's assemblies (<c>AgentRag.*</c>).</summary>
    public static bool IsProductType(Type type) => (type.Assembly.GetName().Name ?? "").StartsWith("AgentRag.", StringComparison.Ordinal);

    private static string TypeName(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";
}
