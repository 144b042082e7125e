using System.Net;
using AgentRag.WebConsole.Api;

namespace AgentRag.WebConsole.State;

/// <summary>What kind of trouble a question ran into; each kind has its own message and advice.</summary>
public enum FailureKind
{
    /// <summary>No response came: the server is down or the browser is offline.</summary>
    Offline,

    /// <summary>429: the tenant asked too often; <see cref="ChatFailure.RetryAfter"/> says how long to wait when the server said.</summary>
    RateLimited,

    /// <summary>402, or a budget that stopped the model mid-answer.</summary>
    BudgetExhausted,

    /// <summary>502/503/504, or the chat model failing while the answer was written.</summary>
    ModelUnavailable,

    /// <summary>Any other refusal (a bad request, a role that may not ask).</summary>
    Refused,

    /// <summary>The answer stream broke off after it started.</summary>
    ConnectionLost,
}

/// <summary>
/// A problem with a question, sorted by what a person should do about it: the kind (see <see cref="FailureKind"/>), a
/// short title and the detail the server (or the browser) gave.
/// </summary>
public sealed record ChatFailure(FailureKind Kind, string Detail, TimeSpan? RetryAfter = null)
{
    /// <summary>The headline a person reads first; distinct per kind.</summary>
    public string Title => Kind switch
    {
        FailureKind.Offline => "You are offline, or the server cannot be reached",
        FailureKind.RateLimited => RetryAfter is { } wait ? $"Rate limited: try again in {Math.Ceiling(wait.TotalSeconds)} s" : "Rate limited: try again shortly",
        FailureKind.BudgetExhausted => "The model budget is exhausted",
        FailureKind.ModelUnavailable => "The model is unavailable",
        FailureKind.ConnectionLost => "The connection was lost",
        _ => "The question was refused",
    };

    /// <summary>Sorts a refused or failed API call by its status (none: the server was not reached).</summary>
    public static ChatFailure From(ApiException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var kind = exception.Status switch
        {
            null => FailureKind.Offline,
            HttpStatusCode.TooManyRequests => FailureKind.RateLimited,
            HttpStatusCode.PaymentRequired => FailureKind.BudgetExhausted,
            HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => FailureKind.ModelUnavailable,
            _ => FailureKind.Refused,
        };
        return new ChatFailure(kind, exception.Message, exception.RetryAfter);
    }
}
