using System.Text.Json;
using AgentRag.Core.Approvals;

namespace AgentRag.Agents.Approvals;

/// <summary>
/// The approval side of one gated step, kept in the workflow's state (<c>approvalSteps</c>, by step id) by its actor.
/// The request itself is stored under its own key and in the <see cref="IApprovalStore"/>.
/// </summary>
public sealed class StepApproval
{
    /// <summary>Why the step needs approval (see <see cref="ApprovalReasons"/>).</summary>
    public List<string> Reasons { get; set; } = [];

    /// <summary>The request, once the step became ready and asked.</summary>
    public string? ApprovalId { get; set; }

    /// <summary>The decision applied to the step, once there is one.</summary>
    public ApprovalDecision? Decision { get; set; }

    /// <summary>Who decided (or <c>system</c>), and their comment: for the answer of a rejected step.</summary>
    public string? DecidedBy { get; set; }

    public string? Comment { get; set; }

    /// <summary>After a modification: the inputs the step runs with.</summary>
    public Dictionary<string, JsonElement>? Inputs { get; set; }

    /// <summary><c>approval.expiring</c> was sent (it is sent once).</summary>
    public bool ExpiringSent { get; set; }

    /// <summary>True once approved or modified: the step may run.</summary>
    public bool IsApproved => Decision is ApprovalDecision.Approve or ApprovalDecision.Modify;
}
