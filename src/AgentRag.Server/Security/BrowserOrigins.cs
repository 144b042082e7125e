using Microsoft.Extensions.Options;

namespace AgentRag.Server.Security;

/// <summary>
/// Which web origins may drive the API from a browser: the server's own origin (the scheme and <c>Host</c> the request
/// reached it by, after forwarded headers from known proxies) and the configured
/// <see cref="HttpSecurityOptions.CorsSettings.AllowedOrigins"/>. Immutable after construction; thread-safe.
/// </summary>
public sealed class BrowserOrigins
{
    private readonly HashSet<string> _allowed;

    public BrowserOrigins(IOptions<HttpSecurityOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Allowed = options.Value.Cors.AllowedOrigins.Select(o => Normalize(o)!).Distinct(StringComparer.Ordinal).ToArray();
        _allowed = new HashSet<string>(Allowed, StringComparer.Ordinal);
    }

    /// <summary>The configured origins, normalized (lower case, no default port, no trailing slash).</summary>
    public IReadOnlyList<string> Allowed { get; }

    /// <summary>
    /// Whether <paramref name="origin"/> (an <c>Origin</c> header) is the request's own origin or a configured one.
    /// <c>null</c> (an opaque origin: sandboxed frames, <c>file:</c> pages, some redirects) never is.
    /// </summary>
    public bool IsAllowed(HttpRequest request, string origin)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Normalize(origin) is not { } normalized)
        {
            return false;
        }

        return _allowed.Contains(normalized)
            || (request.Host.HasValue && string.Equals(normalized, Normalize($"{request.Scheme}://{request.Host.Value}"), StringComparison.Ordinal));
    }

    /// <summary>
    /// <c>scheme://host[:port]</c> in lower case without the scheme's default port, for an http(s) origin with no
    /// user, path (other than <c>/</c>), query or fragment; otherwise <c>null</c>.
    /// </summary>
    public static string? Normalize(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.UserInfo.Length > 0 || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0
            || value.Contains('*', StringComparison.Ordinal))
        {
            return null;
        }

        return uri.IsDefaultPort ? $"{uri.Scheme}://{uri.Host}" : $"{uri.Scheme}://{uri.Host}:{uri.Port}";
    }
}
