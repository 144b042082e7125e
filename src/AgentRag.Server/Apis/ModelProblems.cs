using AgentRag.Models;
using AgentRag.Models.Budgets;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentRag.Server.Apis;

/// <summary>RFC 9457 ProblemDetails for the model layer's errors, for the APIs that call models (queries, chat completions).</summary>
public static class ModelProblems
{
    /// <summary>402 naming the budget, its limit and use, and when it resets.</summary>
    public static ProblemHttpResult BudgetExceeded(BudgetExceededException exception) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status402PaymentRequired,
            title: "Budget exceeded",
            detail: exception.Message,
            extensions: new Dictionary<string, object?>
            {
                ["budget"] = exception.Budget,
                ["setting"] = exception.Setting,
                ["unit"] = exception.Unit,
                ["limit"] = exception.Limit,
                ["used"] = exception.Used,
                ["estimated"] = exception.Estimated,
                ["resetsAt"] = exception.ResetsAt,
                ["scope"] = exception.Scope,
            });

    /// <summary>503 for a model that is not configured or failed after retries and fallback; the detail names the profile and setting.</summary>
    public static ProblemHttpResult ModelFailed(ModelException exception) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: exception is ModelUnavailableException ? "Model not configured" : "Model call failed",
            detail: exception.Message,
            extensions: exception is ModelCallException call
                ? new Dictionary<string, object?> { ["profile"] = call.Profile, ["kind"] = call.Kind.ToString(), ["retryAfterSeconds"] = call.RetryAfter?.TotalSeconds }
                : null);
}
