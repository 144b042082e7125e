namespace AgentRag.Core.Sessions;

/// <summary>A conversation: its newest turns, oldest first.</summary>
/// <param name="Id">The session id (see <see cref="SessionIds"/>).</param>
/// <param name="CreatedAt">When its first turn was asked.</param>
/// <param name="UpdatedAt">When its last turn was asked; the TTL runs from here.</param>
/// <param name="ExpiresAt">When it is forgotten unless another turn is asked.</param>
/// <param name="Turns">At most <see cref="SessionOptions.MaxTurns"/> turns, oldest first.</param>
public sealed record Session(string Id, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset ExpiresAt, IReadOnlyList<SessionTurn> Turns);

/// <summary>One question of a conversation and what became of it.</summary>
/// <param name="Number">1-based position in the session (numbers of forgotten turns are not reused).</param>
/// <param name="Question">The question as the user asked it.</param>
/// <param name="Query">The standalone question the workflow ran (equal to <paramref name="Question"/> unless it was a follow-up).</param>
/// <param name="WorkflowId">The workflow that answered it (<c>GET /v1/queries/{id}</c>).</param>
/// <param name="Answer">The answer, or null while the workflow runs (or when it failed).</param>
/// <param name="AskedAt">When it was asked.</param>
public sealed record SessionTurn(int Number, string Question, string Query, string WorkflowId, string? Answer, DateTimeOffset AskedAt);

/// <summary>A session as a list shows it: enough to recognise and reopen it, without its answers.</summary>
/// <param name="Id">The session id.</param>
/// <param name="CreatedAt">When its first turn was asked.</param>
/// <param name="UpdatedAt">When its last turn was asked.</param>
/// <param name="ExpiresAt">When it is forgotten unless another turn is asked.</param>
/// <param name="TurnCount">How many turns it keeps (at most <see cref="SessionOptions.MaxTurns"/>).</param>
/// <param name="FirstQuestion">The question of its oldest kept turn (the conversation's title).</param>
/// <param name="LastQuestion">The question of its newest turn.</param>
public sealed record SessionSummary(
    string Id, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset ExpiresAt, int TurnCount, string FirstQuestion, string LastQuestion);

/// <summary>One page of a tenant's sessions and how many it has in all.</summary>
public sealed record SessionList(IReadOnlyList<SessionSummary> Items, int Total);

/// <summary>Session id rules, shared by every surface that accepts one.</summary>
public static class SessionIds
{
    /// <summary>Prefix of generated session ids (<c>ses_…</c>).</summary>
    public const string Prefix = "ses";

    /// <summary>The header that carries the session id on requests and responses.</summary>
    public const string HeaderName = "X-Session-ID";

    /// <summary>A new random session id.</summary>
    public static string New() => Ids.New(Prefix);

    /// <summary>
    /// Session ids are 1–64 characters of ASCII letters, digits, '-', '_' and '.', so a client may bring its own (a UUID,
    /// a chat id). Anything else is malformed and refused; a well-formed id the tenant does not know starts a new session.
    /// </summary>
    public static bool IsWellFormed(string? sessionId) =>
        !string.IsNullOrEmpty(sessionId)
        && sessionId.Length <= 64
        && sessionId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>The message that explains <see cref="IsWellFormed"/>, naming the offending id.</summary>
    public static string Malformed(string sessionId) =>
        $"Session id '{sessionId}' is malformed: use 1–64 letters, digits, '-', '_' or '.' (or send none to start a new session).";
}
