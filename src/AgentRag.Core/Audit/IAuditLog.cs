namespace AgentRag.Core.Audit;

/// <summary>
/// One audited act: who (<see cref="Actor"/>, <see cref="Role"/>) did what (<see cref="Action"/> on
/// <see cref="Target"/>) for which tenant, with what <see cref="Outcome"/>, from where and in which trace. It never holds
/// document or query text: targets are ids, and <see cref="Detail"/> is a small machine-written summary (counts).
/// </summary>
/// <param name="Id">Assigned by the log on append (increasing); 0 on an entry not yet appended.</param>
/// <param name="TenantId">The tenant acted on; null for the platform scope (authentication failures, erasure tombstones).</param>
/// <param name="Outcome"><see cref="AuditOutcomes.Success"/>, <see cref="AuditOutcomes.Failure"/> or <see cref="AuditOutcomes.Denied"/>.</param>
/// <param name="Status">The HTTP status of the request, when the act was a request.</param>
public sealed record AuditEntry(
    long Id,
    DateTimeOffset At,
    string? TenantId,
    string Actor,
    string? Role,
    string Action,
    string? Target,
    string Outcome,
    int? Status,
    string? ClientIp,
    string? TraceId,
    string? Detail = null);

/// <summary>The outcomes of <see cref="AuditEntry.Outcome"/>.</summary>
public static class AuditOutcomes
{
    public const string Success = "success";
    public const string Failure = "failure";
    public const string Denied = "denied";

    /// <summary>The outcome of an HTTP status: 2xx/3xx success, 401/403 denied, anything else failure.</summary>
    public static string FromStatus(int status) => status switch
    {
        < 400 => Success,
        401 or 403 => Denied,
        _ => Failure,
    };
}

/// <summary>
/// A filter over one scope of the audit log: the entries of <see cref="TenantId"/>, or the platform scope when it is
/// null. <see cref="From"/> is inclusive, <see cref="To"/> exclusive; <see cref="AfterId"/> continues a page.
/// </summary>
public sealed record AuditQuery(
    string? TenantId,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string? Actor = null,
    string? Action = null,
    long AfterId = 0,
    int Limit = 100);

/// <summary>
/// The append-only audit log. Entries are never changed; they leave only by retention
/// (<see cref="PruneAsync"/>) or by the erasure of their tenant (<see cref="EraseTenantAsync"/>). Implementations are
/// thread-safe; an appended entry is visible to the next read once <see cref="AppendAsync"/> has completed.
/// </summary>
public interface IAuditLog
{
    /// <summary>Appends <paramref name="entry"/> (its <see cref="AuditEntry.Id"/> is ignored) and returns it with its id.</summary>
    Task<AuditEntry> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>
    /// Entries matching <paramref name="query"/>, oldest first, at most <see cref="AuditQuery.Limit"/>. Throws
    /// <see cref="ArgumentOutOfRangeException"/> for a limit below 1.
    /// </summary>
    Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>Deletes entries older than <paramref name="before"/>, in every scope; returns how many. Idempotent.</summary>
    Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default);

    /// <summary>Deletes every entry of <paramref name="tenantId"/> (never the platform scope); returns how many. Idempotent.</summary>
    Task<int> EraseTenantAsync(string tenantId, CancellationToken cancellationToken = default);
}
