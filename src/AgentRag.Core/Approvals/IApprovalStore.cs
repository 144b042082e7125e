namespace AgentRag.Core.Approvals;

/// <summary>
/// Durable, queryable approval requests and their audit trail. Workflows write (each its own requests); the API, the
/// CLI and inboxes read. Every method is tenant-scoped: another tenant's request is "not found". Thread-safe.
/// </summary>
public interface IApprovalStore
{
    /// <summary>
    /// Inserts or replaces <paramref name="record"/> and appends <paramref name="audit"/> in one transaction; durable when
    /// the task completes. Idempotent: an audit entry whose (approval, sequence) exists already is left as it is. Throws
    /// <see cref="ArgumentException"/>, saving nothing, when an entry belongs to another approval or tenant.
    /// </summary>
    Task SaveAsync(ApprovalRecord record, IReadOnlyList<ApprovalAuditEntry> audit, CancellationToken cancellationToken = default);

    /// <summary>The request, or null when the tenant has none with that id.</summary>
    Task<ApprovalRecord?> GetAsync(string tenantId, string approvalId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The tenant's requests matching <paramref name="query"/>, newest first, and how many match in all. Throws
    /// <see cref="ArgumentOutOfRangeException"/> for a negative offset or a limit outside 1–1000.
    /// </summary>
    Task<ApprovalPage> ListAsync(string tenantId, ApprovalQuery query, CancellationToken cancellationToken = default);

    /// <summary>The request's audit trail, oldest first (empty for an unknown request).</summary>
    Task<IReadOnlyList<ApprovalAuditEntry>> GetHistoryAsync(string tenantId, string approvalId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The tenant's audit entries recorded in [<paramref name="from"/>, <paramref name="to"/>), oldest first, at most
    /// <paramref name="limit"/> (1–10,000; <see cref="ArgumentOutOfRangeException"/> otherwise).
    /// </summary>
    Task<IReadOnlyList<ApprovalAuditEntry>> ExportAuditAsync(
        string tenantId, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken = default);
}

/// <summary>A filter over approval requests.</summary>
/// <param name="Status">Only requests in this status.</param>
/// <param name="WorkflowId">Only requests of this workflow.</param>
/// <param name="Offset">Requests to skip.</param>
/// <param name="Limit">Most requests to return (1–1000).</param>
public sealed record ApprovalQuery(ApprovalStatus? Status = null, string? WorkflowId = null, int Offset = 0, int Limit = 100);

/// <summary>One page of requests and the total that match.</summary>
public sealed record ApprovalPage(IReadOnlyList<ApprovalRecord> Items, int Total);
