using System.Globalization;
using AgentRag.Core.Actors;

namespace AgentRag.Runtime.Dapr;

/// <summary>
/// How the product's actors are named on Dapr. The actor type <c>workflow</c> is the Dapr actor type
/// <c>WorkflowActor</c> (<c>tenant-index</c>: <c>TenantIndexActor</c>), the names the Resiliency spec targets; an actor
/// is the Dapr actor id <c>{tenant}~{id}</c> ('~' is in no tenant id and is unreserved in a URL path, so the id needs no
/// escaping on the sidecar's routes).
/// </summary>
public static class DaprActorNames
{
    private const char Separator = '~';

    /// <summary>The Dapr actor type of the product's actor type <paramref name="type"/>: its words in Pascal case, then <c>Actor</c>.</summary>
    public static string TypeOf(string type)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        var words = type.Split(['-', '_', '.'], StringSplitOptions.RemoveEmptyEntries);
        return string.Concat(words.Select(w => char.ToUpper(w[0], CultureInfo.InvariantCulture) + w[1..])) + "Actor";
    }

    /// <summary>
    /// The Dapr actor id of <paramref name="id"/>; throws <see cref="ArgumentException"/> when its tenant contains '~' or its
    /// id has a character outside a URL path's unreserved set (letters, digits, '-', '.', '_', '~').
    /// </summary>
    public static string IdOf(ActorId id)
    {
        if (id.TenantId.Contains(Separator, StringComparison.Ordinal) || !IsUnreserved(id.TenantId) || !IsUnreserved(id.Id))
        {
            throw new ArgumentException($"The actor id {id} cannot be a Dapr actor id: its tenant and id must be letters, digits, '-', '.', '_' (and '~' in the id only).", nameof(id));
        }

        return $"{id.TenantId}{Separator}{id.Id}";
    }

    /// <summary>The product's actor id of Dapr actor <paramref name="daprId"/> of product type <paramref name="type"/>; throws <see cref="ArgumentException"/> for an id <see cref="IdOf"/> never made.</summary>
    public static ActorId Parse(string type, string daprId)
    {
        var separator = daprId.IndexOf(Separator, StringComparison.Ordinal);
        return separator > 0 && separator < daprId.Length - 1
            ? new ActorId(type, daprId[..separator], daprId[(separator + 1)..])
            : throw new ArgumentException($"'{daprId}' is not a Dapr actor id of this product ({{tenant}}~{{id}}).", nameof(daprId));
    }

    private static bool IsUnreserved(string value) =>
        value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~');
}
