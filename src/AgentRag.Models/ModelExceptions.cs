namespace AgentRag.Models;

/// <summary>Why a model call failed.</summary>
public enum ModelFailureKind
{
    /// <summary>The endpoint could not be reached (DNS, connection refused, TLS). Transient.</summary>
    Unreachable,

    /// <summary>An attempt took longer than the profile's timeout. Transient.</summary>
    Timeout,

    /// <summary>HTTP 429. Transient; <see cref="ModelCallException.RetryAfter"/> says when to try again.</summary>
    RateLimited,

    /// <summary>HTTP 408 or 5xx. Transient.</summary>
    ServerError,

    /// <summary>HTTP 401/403: the API key is missing or wrong.</summary>
    Unauthorized,

    /// <summary>HTTP 404: the model (or the endpoint path) does not exist.</summary>
    ModelNotFound,

    /// <summary>Another 4xx: the provider refused the request.</summary>
    BadRequest,

    /// <summary>The response (or a streaming chunk) could not be parsed.</summary>
    MalformedResponse,

    /// <summary>The response had no text and no tool call.</summary>
    EmptyResponse,

    /// <summary>A stream broke after it had started.</summary>
    StreamInterrupted,

    /// <summary>The profile's circuit breaker is open after repeated failures.</summary>
    CircuitOpen,
}

/// <summary>Base of the model layer's errors. Messages name the profile and the setting to check.</summary>
public abstract class ModelException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>A model call failed. Thrown by every model client after the model layer's own retries and fallback.</summary>
public sealed class ModelCallException(
    ModelFailureKind kind, string profile, string model, Uri endpoint, string message, int? statusCode = null, TimeSpan? retryAfter = null,
    Exception? innerException = null) : ModelException(message, innerException)
{
    public ModelFailureKind Kind { get; } = kind;

    public string Profile { get; } = profile;

    public string Model { get; } = model;

    public Uri Endpoint { get; } = endpoint;

    /// <summary>The HTTP status the provider returned, when it returned one.</summary>
    public int? StatusCode { get; } = statusCode;

    /// <summary>The delay the provider asked for (<c>Retry-After</c>), or when an open breaker closes.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>True for failures that may succeed when retried: unreachable, timeout, 429, 408 and 5xx.</summary>
    public bool IsTransient => Kind is ModelFailureKind.Unreachable or ModelFailureKind.Timeout or ModelFailureKind.RateLimited or ModelFailureKind.ServerError;
}

/// <summary>A call asked for a profile that is not configured; the message says what to set.</summary>
public sealed class ModelUnavailableException(string profile, string message) : ModelException(message)
{
    public string Profile { get; } = profile;
}
