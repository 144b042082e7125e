using AgentRag.Core.Sessions;

namespace AgentRag.Server.Hosting;

/// <summary>The outcome of <see cref="SessionHeader.Resolve"/>: the session id to use, or why the request's is refused.</summary>
public readonly record struct SessionResolution(string? SessionId, string? Error);

/// <summary>
/// The conversation a request belongs to: the <c>X-Session-ID</c> header, else the body's <c>sessionId</c>, else a new
/// session. The id is echoed in the response's <c>X-Session-ID</c> header (set before the handler writes anything, so
/// streamed responses carry it too).
/// </summary>
public static class SessionHeader
{
    /// <summary>
    /// Resolves the session id and sets the response header. A malformed id, or a header and body naming different
    /// sessions, yields an <see cref="SessionResolution.Error"/> naming the id (and no header).
    /// </summary>
    public static SessionResolution Resolve(HttpContext httpContext, string? bodySessionId)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var header = httpContext.Request.Headers[SessionIds.HeaderName].ToString().Trim();
        var body = bodySessionId?.Trim();
        if (header.Length > 0 && !string.IsNullOrEmpty(body) && !string.Equals(header, body, StringComparison.Ordinal))
        {
            return new(null, $"The {SessionIds.HeaderName} header ('{header}') and the body's sessionId ('{body}') name different sessions: send one.");
        }

        var requested = header.Length > 0 ? header : body;
        if (!string.IsNullOrEmpty(requested) && !SessionIds.IsWellFormed(requested))
        {
            return new(null, SessionIds.Malformed(requested));
        }

        var sessionId = string.IsNullOrEmpty(requested) ? SessionIds.New() : requested;
        httpContext.Response.Headers[SessionIds.HeaderName] = sessionId;
        return new(sessionId, null);
    }
}
