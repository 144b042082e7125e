namespace AgentRag.Core.Usage;

/// <summary>How a model call ended.</summary>
public enum UsageOutcome
{
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>The stored and reported names of <see cref="UsageOutcome"/> values.</summary>
public static class UsageOutcomes
{
    /// <summary>The outcome's name: <c>succeeded</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    public static string Name(UsageOutcome outcome) => outcome switch
    {
        UsageOutcome.Succeeded => "succeeded",
        UsageOutcome.Failed => "failed",
        UsageOutcome.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    /// <summary>The outcome named <paramref name="name"/> (see <see cref="Name"/>); throws <see cref="FormatException"/> for any other name.</summary>
    public static UsageOutcome Parse(string name) => name switch
    {
        "succeeded" => UsageOutcome.Succeeded,
        "failed" => UsageOutcome.Failed,
        "cancelled" => UsageOutcome.Cancelled,
        _ => throw new FormatException($"Unknown usage outcome '{name}'."),
    };
}

/// <summary>The kind of model call.</summary>
public static class UsageOperations
{
    public const string Chat = "chat";
    public const string ChatStream = "chat.stream";
    public const string Embedding = "embedding";
}

/// <summary>
/// One model call on one profile: who it was for, what it used and cost, and how it ended. Token counts come from the
/// provider's usage data; when the provider sent none they are estimated and <see cref="Estimated"/> is true.
/// </summary>
public sealed record UsageRecord
{
    public required string Id { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    public required string TenantId { get; init; }

    public string? UserId { get; init; }

    public string? SessionId { get; init; }

    public string? WorkflowId { get; init; }

    public string? StepId { get; init; }

    public string? Agent { get; init; }

    public required string Profile { get; init; }

    public required string Model { get; init; }

    /// <summary>See <see cref="UsageOperations"/>.</summary>
    public required string Operation { get; init; }

    public string? PromptId { get; init; }

    public string? PromptVersion { get; init; }

    public long InputTokens { get; init; }

    public long OutputTokens { get; init; }

    /// <summary>Input tokens served from the provider's prompt cache (part of <see cref="InputTokens"/>).</summary>
    public long CachedTokens { get; init; }

    /// <summary>True when the provider reported no usage and the token counts are estimates.</summary>
    public bool Estimated { get; init; }

    public TimeSpan Latency { get; init; }

    /// <summary>Cost in nano-USD (10⁻⁹ USD), exact for summing.</summary>
    public long CostNanoUsd { get; init; }

    public decimal CostUsd => NanoUsd.ToUsd(CostNanoUsd);

    public UsageOutcome Outcome { get; init; }

    /// <summary>The failure's message when <see cref="Outcome"/> is not <see cref="UsageOutcome.Succeeded"/>.</summary>
    public string? Error { get; init; }

    /// <summary>Why the call ran on its profile (routing or budget downgrade).</summary>
    public string? RoutingReason { get; init; }

    public long TotalTokens => InputTokens + OutputTokens;

    /// <summary>How a call that threw <paramref name="failure"/> (null: none) ended.</summary>
    public static UsageOutcome OutcomeOf(Exception? failure) => failure switch
    {
        null => UsageOutcome.Succeeded,
        OperationCanceledException => UsageOutcome.Cancelled,
        _ => UsageOutcome.Failed,
    };
}
