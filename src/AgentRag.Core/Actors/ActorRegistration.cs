namespace AgentRag.Core.Actors;

/// <summary>
/// An actor type the runtime can activate: its name (the <see cref="ActorId.Type"/>) and how to create an instance.
/// Features register theirs as singletons; every runtime activates the registered types.
/// </summary>
/// <param name="Type">The actor type name, e.g. <c>workflow</c>.</param>
/// <param name="Create">Creates a fresh instance for one activation.</param>
public sealed record ActorRegistration(string Type, Func<IActor> Create);
