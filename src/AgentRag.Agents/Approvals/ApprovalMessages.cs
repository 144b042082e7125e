using System.Text.Json;
using AgentRag.Core.Approvals;

namespace AgentRag.Agents.Approvals;

/// <summary>
/// Applies a person's decision to a waiting step; sent to the workflow actor, which replies with an
/// <see cref="ApprovalDecisionResult"/>. The actor is the only writer of its approvals, so a decision and a timeout
/// that race are ordered by its turns and exactly one of them applies.
/// </summary>
public sealed record DecideApproval(string ApprovalId, ApprovalDecisionRequest Request);

/// <summary>A person's decision.</summary>
/// <param name="Decision">Approve, modify or reject (<see cref="ApprovalDecision.Expire"/> is the timeout's alone).</param>
/// <param name="DecidedBy">Who decides: the authenticated caller (an API key's <c>name (key_…)</c>, a JWT's subject, or <c>local</c> in open mode); no request header can claim it.</param>
/// <param name="Comment">Why, optionally.</param>
/// <param name="Inputs">For a modification: the step inputs to change (merged over the planned ones).</param>
public sealed record ApprovalDecisionRequest(
    ApprovalDecision Decision, string DecidedBy, string? Comment = null, IReadOnlyDictionary<string, JsonElement>? Inputs = null);

/// <summary>The outcome of a decision.</summary>
public enum ApprovalDecisionOutcome
{
    /// <summary>The decision was applied; the workflow resumed.</summary>
    Applied,

    /// <summary>No such request for this tenant.</summary>
    NotFound,

    /// <summary>A decision was applied already (it is final): the record holds it.</summary>
    AlreadyDecided,

    /// <summary>The request expired (auto-rejected by its timeout).</summary>
    Expired,

    /// <summary>The request itself is malformed (e.g. a modification without inputs): see the errors.</summary>
    Invalid,

    /// <summary>The modified inputs fail the agent's input schema: see the errors.</summary>
    InvalidInputs,
}

/// <summary>What happened to a decision, the request as it now is, and any field errors.</summary>
public sealed record ApprovalDecisionResult(ApprovalDecisionOutcome Outcome, ApprovalRecord? Record, IReadOnlyDictionary<string, string[]> Errors)
{
    private static readonly IReadOnlyDictionary<string, string[]> NoErrors = new Dictionary<string, string[]>();

    public static ApprovalDecisionResult Of(ApprovalDecisionOutcome outcome, ApprovalRecord? record) => new(outcome, record, NoErrors);
}
