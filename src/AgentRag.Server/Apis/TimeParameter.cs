using System.Globalization;

namespace AgentRag.Server.Apis;

/// <summary>The <c>from</c>/<c>to</c> query parameters of the list and export routes.</summary>
public static class TimeParameter
{
    /// <summary>
    /// Parses an ISO 8601 date or time (UTC unless it names an offset); an absent or blank value is a null time. False
    /// for anything else.
    /// </summary>
    public static bool TryParse(string? text, out DateTimeOffset? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            value = parsed;
            return true;
        }

        return false;
    }
}
