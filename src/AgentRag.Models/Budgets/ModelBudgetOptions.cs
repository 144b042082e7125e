using System.ComponentModel.DataAnnotations;

namespace AgentRag.Models.Budgets;

/// <summary>What happens when a call would exceed a budget.</summary>
public enum BudgetExceededPolicy
{
    /// <summary>Refuse the call with <see cref="BudgetExceededException"/> (HTTP 402).</summary>
    Reject,

    /// <summary>Run the call on the <c>cheap</c> profile with a warning when that fits the budget; otherwise reject.</summary>
    Downgrade,
}

/// <summary>
/// Spending limits, checked before every chat call with that call's estimated cost (<c>AgentRag:Models:Budgets</c>).
/// An unset limit is not enforced. Day and month windows are UTC.
/// </summary>
public sealed class ModelBudgetOptions
{
    /// <summary>Most tokens (input + output) one request may use: all calls of one workflow, or one call outside a workflow.</summary>
    [Range(1, long.MaxValue)]
    public long? MaxTokensPerRequest { get; set; }

    /// <summary>Most USD one session may spend.</summary>
    [Range(typeof(decimal), "0", "79228162514264337593543950335")]
    public decimal? MaxUsdPerSession { get; set; }

    /// <summary>Most USD one tenant may spend per UTC day.</summary>
    [Range(typeof(decimal), "0", "79228162514264337593543950335")]
    public decimal? MaxUsdPerTenantPerDay { get; set; }

    /// <summary>Most USD one tenant may spend per UTC calendar month.</summary>
    [Range(typeof(decimal), "0", "79228162514264337593543950335")]
    public decimal? MaxUsdPerTenantPerMonth { get; set; }

    public BudgetExceededPolicy OnExceeded { get; set; } = BudgetExceededPolicy.Reject;

    /// <summary>The share of a budget whose crossing emits <c>budget.warning</c> (once per budget and window).</summary>
    [Range(0.01, 1.0)]
    public double WarningThreshold { get; set; } = 0.9;
}
