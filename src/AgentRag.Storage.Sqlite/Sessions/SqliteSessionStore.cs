using AgentRag.Core.Sessions;

namespace AgentRag.Storage.Sqlite.Sessions;

/// <summary>
/// <see cref="ISessionStore"/> over the <c>sessions</c> and <c>session_turns</c> tables. Writes go through the database's
/// group-commit writer (each append is one SAVEPOINT, so it applies whole or not at all); expiry is computed from the
/// injected <see cref="TimeProvider"/>, and expired sessions of a tenant are swept on its next append. Thread-safe.
/// </summary>
public sealed class SqliteSessionStore(SqliteDatabase database, SessionOptions options, TimeProvider time) : ISessionStore
{
    public Task<Session?> GetAsync(string tenantId, string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        if (!SessionIds.IsWellFormed(sessionId))
        {
            return Task.FromResult<Session?>(null);
        }

        var cutoff = Cutoff();
        return database.ReadAsync(connection => Read(connection, tenantId, sessionId, cutoff), cancellationToken);
    }

    public Task<Session> AppendTurnAsync(string tenantId, string sessionId, string question, string query, string workflowId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        if (!SessionIds.IsWellFormed(sessionId))
        {
            throw new ArgumentException(SessionIds.Malformed(sessionId), nameof(sessionId));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowId);
        var now = time.GetUtcNow().UtcTicks;
        var cutoff = Cutoff();
        return database.WriteAsync(connection =>
        {
            // Sweep the tenant's expired sessions first, so an expired id starts afresh rather than resuming old turns.
            using (var sweep = connection.Prepare("DELETE FROM sessions WHERE tenant_id = @tenant AND updated_at <= @cutoff"))
            {
                sweep.Bind("@tenant", tenantId).Bind("@cutoff", cutoff).Execute();
            }

            using (var upsert = connection.Prepare("""
                INSERT INTO sessions (tenant_id, id, created_at, updated_at) VALUES (@tenant, @id, @now, @now)
                ON CONFLICT (tenant_id, id) DO UPDATE SET updated_at = excluded.updated_at
                """))
            {
                upsert.Bind("@tenant", tenantId).Bind("@id", sessionId).Bind("@now", now).Execute();
            }

            using (var insert = connection.Prepare("""
                INSERT INTO session_turns (tenant_id, session_id, seq, question, query, workflow_id, answer, asked_at)
                VALUES (@tenant, @id,
                        (SELECT COALESCE(MAX(seq), 0) + 1 FROM session_turns WHERE tenant_id = @tenant AND session_id = @id),
                        @question, @query, @workflow, NULL, @now)
                """))
            {
                insert.Bind("@tenant", tenantId).Bind("@id", sessionId).Bind("@question", question).Bind("@query", query)
                    .Bind("@workflow", workflowId).Bind("@now", now).Execute();
            }

            using (var trim = connection.Prepare("""
                DELETE FROM session_turns WHERE tenant_id = @tenant AND session_id = @id
                AND seq <= (SELECT MAX(seq) FROM session_turns WHERE tenant_id = @tenant AND session_id = @id) - @keep
                """))
            {
                trim.Bind("@tenant", tenantId).Bind("@id", sessionId).Bind("@keep", options.MaxTurns).Execute();
            }

            return Read(connection, tenantId, sessionId, cutoff)
                ?? throw new InvalidOperationException($"Session '{sessionId}' vanished inside its own append.");
        }, cancellationToken);
    }

    public Task SetAnswerAsync(string tenantId, string sessionId, string workflowId, string answer, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        ArgumentNullException.ThrowIfNull(answer);
        if (!SessionIds.IsWellFormed(sessionId))
        {
            return Task.CompletedTask;
        }

        return database.WriteAsync(connection =>
        {
            using var update = connection.Prepare(
                "UPDATE session_turns SET answer = @answer WHERE tenant_id = @tenant AND session_id = @id AND workflow_id = @workflow");
            update.Bind("@answer", answer).Bind("@tenant", tenantId).Bind("@id", sessionId).Bind("@workflow", workflowId).Execute();
        }, cancellationToken);
    }

    public Task<SessionList> ListAsync(string tenantId, int offset, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var cutoff = Cutoff();
        return database.ReadAsync(connection =>
        {
            int total;
            using (var count = connection.Prepare("SELECT COUNT(*) FROM sessions WHERE tenant_id = @tenant AND updated_at > @cutoff"))
            {
                count.Bind("@tenant", tenantId).Bind("@cutoff", cutoff).Step();
                total = count.GetInt32(0);
            }

            var items = new List<SessionSummary>();
            using var rows = connection.Prepare("""
                SELECT s.id, s.created_at, s.updated_at,
                       (SELECT COUNT(*) FROM session_turns t WHERE t.tenant_id = s.tenant_id AND t.session_id = s.id),
                       (SELECT question FROM session_turns t WHERE t.tenant_id = s.tenant_id AND t.session_id = s.id ORDER BY seq LIMIT 1),
                       (SELECT question FROM session_turns t WHERE t.tenant_id = s.tenant_id AND t.session_id = s.id ORDER BY seq DESC LIMIT 1)
                FROM sessions s
                WHERE s.tenant_id = @tenant AND s.updated_at > @cutoff
                ORDER BY s.updated_at DESC, s.id
                LIMIT @limit OFFSET @offset
                """);
            rows.Bind("@tenant", tenantId).Bind("@cutoff", cutoff).Bind("@limit", limit).Bind("@offset", offset);
            while (rows.Step())
            {
                var updated = Utc(rows.GetInt64(2));
                items.Add(new SessionSummary(
                    rows.GetString(0), Utc(rows.GetInt64(1)), updated, updated + options.TimeToLive, rows.GetInt32(3),
                    rows.GetNullableString(4) ?? "", rows.GetNullableString(5) ?? ""));
            }

            return new SessionList(items, total);
        }, cancellationToken);
    }

    public Task<bool> DeleteAsync(string tenantId, string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        if (!SessionIds.IsWellFormed(sessionId))
        {
            return Task.FromResult(false);
        }

        var cutoff = Cutoff();
        return database.WriteAsync(connection =>
        {
            bool existed;
            using (var find = connection.Prepare("SELECT 1 FROM sessions WHERE tenant_id = @tenant AND id = @id AND updated_at > @cutoff"))
            {
                existed = find.Bind("@tenant", tenantId).Bind("@id", sessionId).Bind("@cutoff", cutoff).Step();
            }

            using var delete = connection.Prepare("DELETE FROM sessions WHERE tenant_id = @tenant AND id = @id");
            delete.Bind("@tenant", tenantId).Bind("@id", sessionId).Execute();
            return existed;
        }, cancellationToken);
    }

    public Task<int> DeleteExpiredAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = Cutoff();
        return database.WriteAsync(connection =>
        {
            using var delete = connection.Prepare("DELETE FROM sessions WHERE updated_at <= @cutoff");
            return delete.Bind("@cutoff", cutoff).Execute();
        }, cancellationToken);
    }

    /// <summary>Sessions last updated at or before this (UTC ticks) have expired.</summary>
    private long Cutoff() => (time.GetUtcNow() - options.TimeToLive).UtcTicks;

    private Session? Read(SqliteConnection connection, string tenantId, string sessionId, long cutoff)
    {
        long created, updated;
        using (var session = connection.Prepare("SELECT created_at, updated_at FROM sessions WHERE tenant_id = @tenant AND id = @id AND updated_at > @cutoff"))
        {
            session.Bind("@tenant", tenantId).Bind("@id", sessionId).Bind("@cutoff", cutoff);
            if (!session.Step())
            {
                return null;
            }

            created = session.GetInt64(0);
            updated = session.GetInt64(1);
        }

        var turns = new List<SessionTurn>();
        using (var rows = connection.Prepare("""
            SELECT seq, question, query, workflow_id, answer, asked_at FROM session_turns
            WHERE tenant_id = @tenant AND session_id = @id ORDER BY seq
            """))
        {
            rows.Bind("@tenant", tenantId).Bind("@id", sessionId);
            while (rows.Step())
            {
                turns.Add(new SessionTurn(
                    rows.GetInt32(0), rows.GetString(1), rows.GetString(2), rows.GetString(3), rows.GetNullableString(4), Utc(rows.GetInt64(5))));
            }
        }

        var updatedAt = Utc(updated);
        return new Session(sessionId, Utc(created), updatedAt, updatedAt + options.TimeToLive, turns);
    }

    private static DateTimeOffset Utc(long ticks) => new(ticks, TimeSpan.Zero);
}
