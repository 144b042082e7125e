namespace AgentRag.Core.Sessions;

/// <summary>
/// Durable conversation sessions, tenant-scoped: another tenant's session does not exist, and an expired session
/// (older than <see cref="SessionOptions.TimeToLive"/> since its last turn) reads as absent. Thread-safe.
/// </summary>
public interface ISessionStore
{
    /// <summary>The session, or null when the tenant has none with that id or it has expired.</summary>
    Task<Session?> GetAsync(string tenantId, string sessionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends a turn, creating the session (or starting an expired one afresh), and forgets turns beyond
    /// <see cref="SessionOptions.MaxTurns"/>; returns the session after the append. Atomic: a failed append leaves the
    /// session as it was. Throws <see cref="ArgumentException"/> for a malformed session id.
    /// </summary>
    Task<Session> AppendTurnAsync(string tenantId, string sessionId, string question, string query, string workflowId, CancellationToken cancellationToken = default);

    /// <summary>Records the answer of the turn answered by <paramref name="workflowId"/>; a no-op when that turn is gone. Idempotent.</summary>
    Task SetAnswerAsync(string tenantId, string sessionId, string workflowId, string answer, CancellationToken cancellationToken = default);

    /// <summary>
    /// The tenant's unexpired sessions, most recently updated first (ties by id), <paramref name="limit"/> from
    /// <paramref name="offset"/>, with the total. Each is summarised (its turn count, first and last kept questions), not
    /// read whole. Throws <see cref="ArgumentOutOfRangeException"/> for a negative offset or a limit below 1.
    /// </summary>
    Task<SessionList> ListAsync(string tenantId, int offset, int limit, CancellationToken cancellationToken = default);

    /// <summary>Deletes the session and its turns; false when the tenant had no such (unexpired) session. Idempotent.</summary>
    Task<bool> DeleteAsync(string tenantId, string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Deletes every expired session of every tenant; returns how many.</summary>
    Task<int> DeleteExpiredAsync(CancellationToken cancellationToken = default);
}
