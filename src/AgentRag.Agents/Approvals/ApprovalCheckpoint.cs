namespace AgentRag.Agents.Approvals;

/// <summary>A gate a query asks for (<c>"approval"</c> in the request body).</summary>
public enum ApprovalCheckpoint
{
    /// <summary>Only the gates the policy sets (side effects, cost, tenant review).</summary>
    None,

    /// <summary>The answer-writing step (synthesis, or reasoning) waits for a person's approval.</summary>
    BeforeAnswer,
}

/// <summary>Why a step needs approval, as recorded in <see cref="Core.Approvals.ApprovalRecord.Reasons"/>.</summary>
public static class ApprovalReasons
{
    /// <summary>The step calls a tool with side effects.</summary>
    public const string SideEffects = "side_effects";

    /// <summary>The plan's estimated cost exceeds the tenant's threshold; the step is its first model step.</summary>
    public const string Cost = "cost";

    /// <summary>The query asked for approval before the answer.</summary>
    public const string BeforeAnswer = "before_answer";

    /// <summary>The tenant requires review of every answer.</summary>
    public const string TenantReview = "tenant_review";

    /// <summary>The plan itself marked the step (a model planner's choice).</summary>
    public const string Planner = "planner";
}
