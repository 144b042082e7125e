namespace AgentRag.Core.Sharing;

/// <summary>
/// A read-only link to one answer (a query's workflow) of one tenant. The link's token is signed and names the tenant
/// and the link; the record decides whether it still works (not revoked, not expired).
/// </summary>
/// <param name="Id">The link's id (<c>shr_…</c>), used to list and revoke it.</param>
/// <param name="CreatedBy">The user or key id that created it.</param>
public sealed record ShareLink(
    string Id,
    string TenantId,
    string WorkflowId,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? RevokedAt)
{
    /// <summary>True when the link is neither revoked nor expired at <paramref name="now"/>.</summary>
    public bool IsActiveAt(DateTimeOffset now) => RevokedAt is null && now < ExpiresAt;
}

/// <summary>
/// Durable share-link records. Thread-safe; every read and write is scoped to one tenant, and a revocation is visible to
/// the next <see cref="GetAsync"/> in any process sharing the store.
/// </summary>
public interface IShareLinkStore
{
    /// <summary>Stores a new link. Throws <see cref="InvalidOperationException"/> when the id exists.</summary>
    Task CreateAsync(ShareLink link, CancellationToken cancellationToken = default);

    /// <summary>The tenant's link <paramref name="id"/>, revoked and expired ones included; null when unknown.</summary>
    Task<ShareLink?> GetAsync(string tenantId, string id, CancellationToken cancellationToken = default);

    /// <summary>The tenant's links (of one workflow when <paramref name="workflowId"/> is given), newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<ShareLink>> ListAsync(string tenantId, string? workflowId, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Revokes the tenant's link <paramref name="id"/> at <paramref name="at"/>; returns it as revoked, or null when
    /// unknown. Idempotent: a revoked link keeps its first revocation time.
    /// </summary>
    Task<ShareLink?> RevokeAsync(string tenantId, string id, DateTimeOffset at, CancellationToken cancellationToken = default);
}
