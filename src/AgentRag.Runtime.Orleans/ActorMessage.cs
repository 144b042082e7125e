using AgentRag.Core.Actors;
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

    /// <summary>The message that carries <paramref name="value"/> (<see cref="ActorPayload.Pack"/>).</summary>
    public static ActorMessage Pack(object? value)
    {
        var (type, json) = ActorPayload.Pack(value);
        return type is null ? Null : new(type, json);
    }

    /// <summary>The value this message carries (<see cref="ActorPayload.Unpack"/>; throws for a type not of this product).</summary>
    public object? Unpack() => ActorPayload.Unpack(Type, Json);
}
