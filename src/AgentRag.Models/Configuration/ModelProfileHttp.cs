using System.Net.Http.Headers;

namespace AgentRag.Models.Configuration;

/// <summary>
/// For clients of endpoints the OpenAI SDK does not cover (e.g. <c>/rerank</c>): authenticates a request the way the
/// profile's provider expects, without exposing the key.
/// </summary>
public static class ModelProfileHttp
{
    /// <summary>
    /// Adds the profile's API key to <paramref name="request"/>: <c>Authorization: Bearer</c>, or the profile's
    /// <c>ApiKeyHeader</c> (e.g. <c>api-key</c>). Does nothing when the profile has no key.
    /// </summary>
    public static void Authorize(this ModelProfile profile, HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(request);
        if (!profile.HasApiKey)
        {
            return;
        }

        if (string.IsNullOrEmpty(profile.ApiKeyHeader))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", profile.ApiKey);
        }
        else
        {
            request.Headers.TryAddWithoutValidation(profile.ApiKeyHeader, profile.ApiKey);
        }
    }
}
