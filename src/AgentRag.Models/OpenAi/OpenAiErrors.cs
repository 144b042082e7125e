using System.ClientModel;
using System.Globalization;
using System.Net.Http;
using System.Text.Json;
using AgentRag.Core.Text;
using AgentRag.Models.Configuration;

namespace AgentRag.Models.OpenAi;

/// <summary>Translates OpenAI SDK and transport failures into <see cref="ModelCallException"/>s that name the profile, URL and setting.</summary>
internal static class OpenAiErrors
{
    /// <summary>
    /// Returns the translated exception, or null for caller cancellation (which must propagate unchanged).
    /// <paramref name="stage"/> describes what was happening ("the request", "a streaming chunk", …).
    /// </summary>
    public static ModelCallException? Translate(Exception exception, ModelProfile profile, string stage, CancellationToken cancellationToken)
    {
        var who = $"Model profile '{profile.Name}' ({profile.Model} at {profile.Endpoint})";
        switch (exception)
        {
            case ModelCallException already:
                return already;
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return null;
            case OperationCanceledException or TimeoutException:
                return new ModelCallException(ModelFailureKind.Timeout, profile.Name, profile.Model, profile.Endpoint,
                    $"{who} did not answer {stage} within {ModelProfileResolver.Seconds(profile.Timeout)} ({profile.SettingPath}:Timeout).",
                    innerException: exception);
            case ClientResultException result when result.Status == 0:
                return Unreachable(profile, who, result.InnerException ?? result);
            case ClientResultException result:
                return FromStatus(result, profile, who);
            case HttpRequestException http:
                return Unreachable(profile, who, http);
            case JsonException or FormatException or InvalidOperationException or KeyNotFoundException or ArgumentException or IndexOutOfRangeException:
                return new ModelCallException(ModelFailureKind.MalformedResponse, profile.Name, profile.Model, profile.Endpoint,
                    $"{who} sent a malformed response in {stage}: {exception.Message} Check that {profile.SettingPath}:Endpoint points at an OpenAI-compatible API.",
                    innerException: exception);
            case IOException io:
                return new ModelCallException(ModelFailureKind.StreamInterrupted, profile.Name, profile.Model, profile.Endpoint,
                    $"{who}: the connection broke during {stage}: {io.Message}", innerException: io);
            default:
                return new ModelCallException(ModelFailureKind.MalformedResponse, profile.Name, profile.Model, profile.Endpoint,
                    $"{who} failed during {stage}: {exception.GetType().Name}: {exception.Message}", innerException: exception);
        }
    }

    private static ModelCallException Unreachable(ModelProfile profile, string who, Exception cause)
    {
        var detail = cause is HttpRequestException { InnerException: { } inner } ? inner.Message : cause.Message;
        return new ModelCallException(ModelFailureKind.Unreachable, profile.Name, profile.Model, profile.Endpoint,
            $"{who}: cannot reach {profile.Endpoint} ({profile.SettingPath}:Endpoint): {detail}", innerException: cause);
    }

    private static ModelCallException FromStatus(ClientResultException result, ModelProfile profile, string who)
    {
        var status = result.Status;
        var response = result.GetRawResponse();
        var providerMessage = ProviderMessage(response?.Content?.ToString());
        var retryAfter = RetryAfter(response);
        var suffix = providerMessage is null ? "" : $" Provider said: {providerMessage}";
        var (kind, text) = status switch
        {
            401 or 403 => (ModelFailureKind.Unauthorized,
                $"{who} refused the API key (HTTP {status}): check {profile.SettingPath}:ApiKey (or OPENAI_API_KEY / {ModelsOptions.SectionName}:ApiKey).{suffix}"),
            404 => (ModelFailureKind.ModelNotFound,
                $"{who}: model '{profile.Model}' was not found (HTTP 404): check {profile.SettingPath}:Model and that {profile.SettingPath}:Endpoint ends with the API's base path (usually /v1).{suffix}"),
            429 => (ModelFailureKind.RateLimited,
                $"{who} is rate limited (HTTP 429){(retryAfter is { } ra ? $"; retry after {ModelProfileResolver.Seconds(ra)}" : "")}.{suffix}"),
            408 => (ModelFailureKind.Timeout, $"{who} timed out on the server (HTTP 408).{suffix}"),
            >= 500 => (ModelFailureKind.ServerError, $"{who} failed with HTTP {status}.{suffix}"),
            _ => (ModelFailureKind.BadRequest, $"{who} refused the request (HTTP {status}).{suffix}"),
        };
        return new ModelCallException(kind, profile.Name, profile.Model, profile.Endpoint, text, status, retryAfter, result);
    }

    /// <summary>The provider's <c>error.message</c> (OpenAI's error shape), else the body's start.</summary>
    private static string? ProviderMessage(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error))
            {
                if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                {
                    return TextPreview.Shorten(message.GetString()!, 300);
                }

                if (error.ValueKind == JsonValueKind.String)
                {
                    return TextPreview.Shorten(error.GetString()!, 300);
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: show the start of the body instead.
        }

        return TextPreview.Shorten(body.Trim(), 300);
    }

    /// <summary>Reads <c>retry-after-ms</c> (OpenAI) or <c>Retry-After</c> (seconds or an HTTP date).</summary>
    internal static TimeSpan? RetryAfter(System.ClientModel.Primitives.PipelineResponse? response)
    {
        if (response is null)
        {
            return null;
        }

        if (response.Headers.TryGetValue("retry-after-ms", out var ms)
            && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        if (response.Headers.TryGetValue("Retry-After", out var value) && value is not null)
        {
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            {
                return TimeSpan.FromSeconds(seconds);
            }

            if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                var delay = date - DateTimeOffset.UtcNow;
                return delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
            }
        }

        return null;
    }
}
