namespace AgentRag.Models.Calls;

/// <summary>
/// Receives the model layer's events for a call, e.g. to forward them to a workflow's SSE stream. Implementations must be
/// thread-safe and quick; a failing sink is logged and never fails the model call.
/// </summary>
public interface IModelEventSink
{
    ValueTask PublishAsync(ModelEvent modelEvent, CancellationToken cancellationToken = default);
}

/// <summary>One event of the model layer.</summary>
/// <param name="Type">See <see cref="ModelEventTypes"/>.</param>
/// <param name="Message">A human-readable sentence.</param>
/// <param name="Data">Structured details (budget name, limit, spent, profile, …).</param>
public sealed record ModelEvent(string Type, string Message, IReadOnlyDictionary<string, object?> Data);

/// <summary>The event types the model layer emits.</summary>
public static class ModelEventTypes
{
    /// <summary>A budget crossed its warning threshold (90% by default).</summary>
    public const string BudgetWarning = "budget.warning";

    /// <summary>A call was moved to the <c>cheap</c> profile because a budget would have been exceeded.</summary>
    public const string BudgetDowngrade = "budget.downgrade";

    /// <summary>A call failed on its profile and was answered by the <c>fallback</c> profile.</summary>
    public const string Fallback = "model.fallback";
}
