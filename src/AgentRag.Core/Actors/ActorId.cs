namespace AgentRag.Core.Actors;

/// <summary>
/// Identifies one actor: its type (which implementation handles it), the tenant that owns it, and its id within
/// that type and tenant. Two actors with the same id in different tenants are different actors with separate state.
/// </summary>
public readonly record struct ActorId
{
    public ActorId(string type, string tenantId, string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        Type = type;
        TenantId = tenantId;
        Id = id;
    }

    public string Type { get; }

    public string TenantId { get; }

    public string Id { get; }

    public override string ToString() => $"{Type}/{TenantId}/{Id}";
}
