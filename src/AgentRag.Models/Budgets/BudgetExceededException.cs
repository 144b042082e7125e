using System.Globalization;

namespace AgentRag.Models.Budgets;

/// <summary>The budgets the model layer enforces.</summary>
public static class BudgetNames
{
    public const string RequestTokens = "request-tokens";
    public const string SessionUsd = "session-usd";
    public const string TenantDailyUsd = "tenant-daily-usd";
    public const string TenantMonthlyUsd = "tenant-monthly-usd";
}

/// <summary>
/// A call was refused before it ran because it would exceed a budget. The server maps it to ProblemDetails 402; the
/// orchestrator turns it into a clean stop with a partial answer. Never retried and never sent to the fallback model.
/// </summary>
public sealed class BudgetExceededException(
    string budget, string setting, string unit, decimal limit, decimal used, decimal estimated, DateTimeOffset? resetsAt, string scope)
    : ModelException(
        (estimated > 0
            ? $"Budget '{budget}' exceeded for {scope}: used {Format(used, unit)} of {Format(limit, unit)}, and this call needs about {Format(estimated, unit)}. "
            : $"Budget '{budget}' is used up for {scope}: used {Format(used, unit)} of {Format(limit, unit)}. ")
        + (resetsAt is { } reset ? $"It resets at {reset.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}. " : "It does not reset. ")
        + $"Setting: {setting}.")
{
    /// <summary>See <see cref="BudgetNames"/>.</summary>
    public string Budget { get; } = budget;

    /// <summary>The configuration key of the limit.</summary>
    public string Setting { get; } = setting;

    /// <summary><c>tokens</c> or <c>usd</c>.</summary>
    public string Unit { get; } = unit;

    public decimal Limit { get; } = limit;

    public decimal Used { get; } = used;

    /// <summary>The estimated need of the refused call.</summary>
    public decimal Estimated { get; } = estimated;

    /// <summary>When the budget's window starts again; null for session and request budgets.</summary>
    public DateTimeOffset? ResetsAt { get; } = resetsAt;

    /// <summary>What the budget applies to, e.g. "tenant 'acme' on 2025-03-14".</summary>
    public string Scope { get; } = scope;

    internal static string Format(decimal value, string unit) =>
        unit == "usd" ? "$" + value.ToString("0.######", CultureInfo.InvariantCulture) : value.ToString("0", CultureInfo.InvariantCulture) + " tokens";
}
