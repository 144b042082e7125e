using AgentRag.Core.Actors;

namespace AgentRag.Runtime.Orleans;

/// <summary>The grain key of an <see cref="ActorId"/>: <c>type/tenant/id</c> (none of the three contains '/').</summary>
public static class ActorGrainKey
{
    public static string Of(ActorId id)
    {
        if (id.Type.Contains('/', StringComparison.Ordinal) || id.TenantId.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The actor id {id} has a '/' in its type or tenant, so it has no grain key.", nameof(id));
        }

        return id.ToString();
    }

    public static ActorId Parse(string key)
    {
        var parts = key.Split('/', 3);
        return parts.Length == 3
            ? new ActorId(parts[0], parts[1], parts[2])
            : throw new ArgumentException($"'{key}' is not an actor grain key (type/tenant/id).", nameof(key));
    }
}
