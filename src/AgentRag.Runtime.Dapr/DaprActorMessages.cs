using System.Reflection;
using AgentRag.Core.Actors;

namespace AgentRag.Runtime.Dapr;

/// <summary>The JSON body of an actor method invocation through the sidecar: one message of the product (<see cref="ActorPayload"/>).</summary>
public sealed record DaprActorMessage(string? Type, string? Json)
{
    public static DaprActorMessage Of(object message)
    {
        var (type, json) = ActorPayload.Pack(message);
        return new(type, json);
    }

    public object? Unpack() => ActorPayload.Unpack(Type, Json);
}

/// <summary>
/// The JSON reply of <see cref="IDaprHostedActor.Ask"/>: the actor's reply, or the exception it threw (its type and
/// message), since an exception does not cross the sidecar as itself.
/// </summary>
public sealed record DaprActorReply(string? Type, string? Json, string? ErrorType = null, string? Error = null)
{
    public static DaprActorReply Of(object? reply)
    {
        var (type, json) = ActorPayload.Pack(reply);
        return new(type, json);
    }

    public static DaprActorReply Failed(Exception exception) =>
        new(null, null, $"{exception.GetType().FullName}, {exception.GetType().Assembly.GetName().Name}", exception.Message);

    /// <summary>
    /// The reply, or throws what the actor threw: the same exception type when it is the product's own or one of .NET's
    /// and has a constructor taking the message, else <see cref="InvalidOperationException"/> naming the type.
    /// </summary>
    public object? Unpack(ActorId actor)
    {
        if (ErrorType is null)
        {
            return ActorPayload.Unpack(Type, Json);
        }

        var message = Error ?? "";
        var type = System.Type.GetType(ErrorType, throwOnError: false);
        if (type is not null && typeof(Exception).IsAssignableFrom(type)
            && (ActorPayload.IsProductType(type) || type.Assembly == typeof(object).Assembly)
            && type.GetConstructor(BindingFlags.Public | BindingFlags.Instance, [typeof(string)]) is { } constructor)
        {
            throw (Exception)constructor.Invoke([message]);
        }

        throw new InvalidOperationException($"Actor {actor} failed with {ErrorType}: {message}");
    }
}

/// <summary>What a Dapr reminder of an actor carries: the product's payload and whether the product asked for one firing.</summary>
public sealed record DaprReminderData(string? Payload, bool OneShot);
