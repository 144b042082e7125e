using AgentRag.Agents.Workflows;
using AgentRag.Core;
using AgentRag.Core.Actors;
using AgentRag.Core.Approvals;
using AgentRag.Core.Serialization;

namespace AgentRag.Agents.Approvals;

/// <summary>
/// Approvals for the API, the CLI and inboxes: list and read requests and their audit trail, and decide them. A decision
/// goes to the workflow that owns the request (its single writer), which applies it and resumes in the same turn, or
/// says why not (already decided, expired). Every method is tenant-scoped: another tenant's request is "not found".
/// Thread-safe.
/// </summary>
public sealed class ApprovalService(IApprovalStore store, IActorHost host)
{
    /// <summary>Longest accepted comment, in characters.</summary>
    public const int MaxCommentLength = 4000;

    /// <summary>Longest accepted approver name, in characters.</summary>
    public const int MaxUserLength = 200;

    /// <summary>The approver when the caller names none.</summary>
    public const string AnonymousUser = "anonymous";

    /// <summary>The actor of decisions made by timeouts and cancellations.</summary>
    public const string SystemUser = "system";

    /// <summary>True when <paramref name="approvalId"/> has the shape of an approval id.</summary>
    public static bool IsApprovalId(string? approvalId) => Ids.IsWellFormed(approvalId, ApprovalRequestBuilder.IdPrefix);

    /// <summary>The request, or null when the tenant has none with that id (or the id is malformed).</summary>
    public Task<ApprovalRecord?> GetAsync(string tenantId, string approvalId, CancellationToken cancellationToken = default) =>
        IsApprovalId(approvalId) ? store.GetAsync(tenantId, approvalId, cancellationToken) : Task.FromResult<ApprovalRecord?>(null);

    /// <summary>The tenant's requests, newest first. Throws <see cref="ArgumentOutOfRangeException"/> for a bad offset or limit.</summary>
    public Task<ApprovalPage> ListAsync(string tenantId, ApprovalQuery query, CancellationToken cancellationToken = default) =>
        store.ListAsync(tenantId, query, cancellationToken);

    /// <summary>The request's audit trail, oldest first, or null when the tenant has no such request.</summary>
    public async Task<IReadOnlyList<ApprovalAuditEntry>?> GetHistoryAsync(string tenantId, string approvalId, CancellationToken cancellationToken = default) =>
        await GetAsync(tenantId, approvalId, cancellationToken) is null ? null : await store.GetHistoryAsync(tenantId, approvalId, cancellationToken);

    /// <summary>The tenant's audit entries in [<paramref name="from"/>, <paramref name="to"/>), oldest first.</summary>
    public Task<IReadOnlyList<ApprovalAuditEntry>> ExportAuditAsync(
        string tenantId, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken = default) =>
        store.ExportAuditAsync(tenantId, from, to, limit, cancellationToken);

    /// <summary>
    /// Applies a decision. Returns <see cref="ApprovalDecisionOutcome.Applied"/> with the updated request (the workflow
    /// has resumed: an approved step has started, a rejected one's dependents are skipped);
    /// <see cref="ApprovalDecisionOutcome.NotFound"/>; <see cref="ApprovalDecisionOutcome.AlreadyDecided"/> or
    /// <see cref="ApprovalDecisionOutcome.Expired"/> with the request as decided (nothing changed);
    /// <see cref="ApprovalDecisionOutcome.Invalid"/> or <see cref="ApprovalDecisionOutcome.InvalidInputs"/> with field
    /// errors. Not idempotent by design: a second decision is reported, never applied.
    /// </summary>
    public async Task<ApprovalDecisionResult> DecideAsync(
        string tenantId, string approvalId, ApprovalDecisionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var record = await GetAsync(tenantId, approvalId, cancellationToken);
        if (record is null)
        {
            return ApprovalDecisionResult.Of(ApprovalDecisionOutcome.NotFound, null);
        }

        var errors = Check(request);
        if (errors.Count > 0)
        {
            return new ApprovalDecisionResult(ApprovalDecisionOutcome.Invalid, record, errors);
        }

        // Cancelling stops waiting, never the turn: a decision that was delivered is applied.
        return await host.AskAsync<ApprovalDecisionResult>(
            WorkflowActor.IdOf(tenantId, record.WorkflowId), new DecideApproval(approvalId, request), cancellationToken);
    }

    private static Dictionary<string, string[]> Check(ApprovalDecisionRequest request)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (request.Decision is not (ApprovalDecision.Approve or ApprovalDecision.Modify or ApprovalDecision.Reject))
        {
            errors["decision"] = ["A person can approve, modify or reject; expiry is the timeout's."];
        }

        if (string.IsNullOrWhiteSpace(request.DecidedBy) || request.DecidedBy.Length > MaxUserLength || request.DecidedBy.Any(char.IsControl))
        {
            errors["user"] = [$"The approver's name must be 1–{MaxUserLength} printable characters."];
        }

        if (request.Comment is { Length: > MaxCommentLength })
        {
            errors["comment"] = [$"The comment is {request.Comment.Length:N0} characters long; the limit is {MaxCommentLength:N0}."];
        }

        if (request.Decision == ApprovalDecision.Modify && (request.Inputs is null || request.Inputs.Count == 0))
        {
            errors["inputs"] = ["A modification needs \"inputs\": an object of the step inputs to change."];
        }
        else if (request.Decision != ApprovalDecision.Modify && request.Inputs is { Count: > 0 })
        {
            errors["inputs"] = ["Only a modification takes inputs: use POST …/modify."];
        }

        return errors;
    }
}

/// <summary>Turns a decision outcome into a sentence, for the CLI and logs.</summary>
public static class ApprovalText
{
    /// <summary>A one-line description of <paramref name="record"/>'s decision, e.g. "approved by alice at …: comment".</summary>
    public static string Describe(ApprovalRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Resolution is not { } resolution)
        {
            return $"{EnumNames.Of(record.Status)} (expires {record.ExpiresAt:u})";
        }

        var verb = resolution.Decision switch
        {
            ApprovalDecision.Approve => "approved",
            ApprovalDecision.Modify => "approved with modified inputs",
            ApprovalDecision.Reject => "rejected",
            _ => "expired",
        };
        var by = resolution.Decision == ApprovalDecision.Expire ? "" : $" by {resolution.DecidedBy}";
        var comment = string.IsNullOrWhiteSpace(resolution.Comment) ? "" : $": {resolution.Comment}";
        return $"{verb}{by} at {resolution.DecidedAt:u}{comment}";
    }
}
