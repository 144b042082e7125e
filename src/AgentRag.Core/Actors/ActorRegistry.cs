namespace AgentRag.Core.Actors;

/// <summary>
/// The actor types a runtime can activate, by name: what every <see cref="IActorRuntime"/> builds from the registered
/// <see cref="ActorRegistration"/>s. Immutable and thread-safe.
/// </summary>
public sealed class ActorRegistry
{
    private readonly Dictionary<string, ActorRegistration> _registrations = new(StringComparer.Ordinal);

    /// <exception cref="InvalidOperationException">A type is registered twice.</exception>
    public ActorRegistry(IEnumerable<ActorRegistration> registrations)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        foreach (var registration in registrations)
        {
            if (!_registrations.TryAdd(registration.Type, registration))
            {
                throw new InvalidOperationException($"The actor type '{registration.Type}' is registered twice.");
            }
        }
    }

    /// <summary>True when <paramref name="type"/> is registered.</summary>
    public bool Contains(string type) => _registrations.ContainsKey(type);

    /// <summary>The registration of <paramref name="type"/>; throws <see cref="InvalidOperationException"/> naming the known types when there is none.</summary>
    public ActorRegistration Get(string type) =>
        _registrations.TryGetValue(type, out var registration)
            ? registration
            : throw new InvalidOperationException($"No actor type '{type}' is registered (known: {string.Join(", ", _registrations.Keys)}).");
}
