using AgentRag.Core.Sessions;
using Npgsql;

namespace AgentRag.Storage.Postgres.Sessions;

/// <summary>
/// <see cref="ISessionStore"/> over <c>sessions</c> and <c>session_turns</c>. An append is one transaction holding the
/// session's row lock (so two replicas appending to one session number their turns one after the other); expiry is
/// computed from the injected <see cref="TimeProvider"/>, and a tenant's expired sessions are swept on its next append.
/// Thread-safe.
/// </summary>
public sealed class PostgresSessionStore(PostgresDatabase database, SessionOptions options, TimeProvider time) : ISessionStore
{
    public async Task<Session?> GetAsync(string tenantId, string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        if (!SessionIds.IsWellFormed(sessionId))
        {
            return null;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadAsync(connection, null, tenantId, sessionId, Cutoff(), cancellationToken);
    }

    public async Task<Session> AppendTurnAsync(string tenantId, string sessionId, string question, string query, string workflowId, CancellationToken cancellationToken = default)
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
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = connection.Command("""
            DELETE FROM sessions WHERE tenant_id = @tenant AND updated_at <= @cutoff;
            INSERT INTO sessions (tenant_id, id, created_at, updated_at) VALUES (@tenant, @id, @now, @now)
            ON CONFLICT (tenant_id, id) DO UPDATE SET updated_at = excluded.updated_at;
            INSERT INTO session_turns (tenant_id, session_id, seq, question, query, workflow_id, answer, asked_at)
            VALUES (@tenant, @id,
                    (SELECT coalesce(max(seq), 0) + 1 FROM session_turns WHERE tenant_id = @tenant AND session_id = @id),
                    @question, @query, @workflow, NULL, @now);
            DELETE FROM session_turns WHERE tenant_id = @tenant AND session_id = @id
              AND seq <= (SELECT max(seq) FROM session_turns WHERE tenant_id = @tenant AND session_id = @id) - @keep;
            """, transaction)
            .With("tenant", tenantId).With("id", sessionId).With("cutoff", cutoff).With("now", now).With("question", question)
            .With("query", query).With("workflow", workflowId).With("keep", options.MaxTurns))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var session = await ReadAsync(connection, transaction, tenantId, sessionId, cutoff, cancellationToken)
            ?? throw new InvalidOperationException($"Session '{sessionId}' vanished inside its own append.");
        await transaction.CommitAsync(cancellationToken);
        return session;
    }

    public async Task SetAnswerAsync(string tenantId, string sessionId, string workflowId, string answer, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        ArgumentNullException.ThrowIfNull(answer);
        if (!SessionIds.IsWellFormed(sessionId))
        {
            return;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "UPDATE session_turns SET answer = @answer WHERE tenant_id = @tenant AND session_id = @id AND workflow_id = @workflow")
            .With("answer", answer).With("tenant", tenantId).With("id", sessionId).With("workflow", workflowId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<SessionList> ListAsync(string tenantId, int offset, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var cutoff = Cutoff();
        await using var connection = await database.OpenAsync(cancellationToken);
        int total;
        await using (var count = connection.Command("SELECT count(*)::int FROM sessions WHERE tenant_id = @tenant AND updated_at > @cutoff")
            .With("tenant", tenantId).With("cutoff", cutoff))
        {
            total = (int)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        var items = new List<SessionSummary>();
        await using var command = connection.Command("""
            SELECT s.id, s.created_at, s.updated_at,
                   (SELECT count(*)::int FROM session_turns t WHERE t.tenant_id = s.tenant_id AND t.session_id = s.id),
                   (SELECT question FROM session_turns t WHERE t.tenant_id = s.tenant_id AND t.session_id = s.id ORDER BY seq LIMIT 1),
                   (SELECT question FROM session_turns t WHERE t.tenant_id = s.tenant_id AND t.session_id = s.id ORDER BY seq DESC LIMIT 1)
            FROM sessions s
            WHERE s.tenant_id = @tenant AND s.updated_at > @cutoff
            ORDER BY s.updated_at DESC, s.id
            LIMIT @limit OFFSET @offset
            """).With("tenant", tenantId).With("cutoff", cutoff).With("limit", limit).With("offset", offset);
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
        {
            var updated = PostgresCommands.Utc(rows.GetInt64(2));
            items.Add(new SessionSummary(
                rows.GetString(0), PostgresCommands.Utc(rows.GetInt64(1)), updated, updated + options.TimeToLive, rows.GetInt32(3),
                rows.GetNullableString(4) ?? "", rows.GetNullableString(5) ?? ""));
        }

        return new SessionList(items, total);
    }

    public async Task<bool> DeleteAsync(string tenantId, string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        if (!SessionIds.IsWellFormed(sessionId))
        {
            return false;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("DELETE FROM sessions WHERE tenant_id = @tenant AND id = @id RETURNING updated_at > @cutoff")
            .With("tenant", tenantId).With("id", sessionId).With("cutoff", Cutoff());
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("DELETE FROM sessions WHERE updated_at <= @cutoff").With("cutoff", Cutoff());
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Sessions last updated at or before this (UTC ticks) have expired.</summary>
    private long Cutoff() => (time.GetUtcNow() - options.TimeToLive).UtcTicks;

    private async Task<Session?> ReadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string tenantId, string sessionId, long cutoff, CancellationToken cancellationToken)
    {
        long created, updated;
        await using (var session = connection.Command(
            "SELECT created_at, updated_at FROM sessions WHERE tenant_id = @tenant AND id = @id AND updated_at > @cutoff", transaction)
            .With("tenant", tenantId).With("id", sessionId).With("cutoff", cutoff))
        {
            await using var row = await session.ExecuteReaderAsync(cancellationToken);
            if (!await row.ReadAsync(cancellationToken))
            {
                return null;
            }

            created = row.GetInt64(0);
            updated = row.GetInt64(1);
        }

        var turns = new List<SessionTurn>();
        await using (var command = connection.Command("""
            SELECT seq, question, query, workflow_id, answer, asked_at FROM session_turns
            WHERE tenant_id = @tenant AND session_id = @id ORDER BY seq
            """, transaction).With("tenant", tenantId).With("id", sessionId))
        {
            await using var rows = await command.ExecuteReaderAsync(cancellationToken);
            while (await rows.ReadAsync(cancellationToken))
            {
                turns.Add(new SessionTurn(
                    rows.GetInt32(0), rows.GetString(1), rows.GetString(2), rows.GetString(3), rows.GetNullableString(4), PostgresCommands.Utc(rows.GetInt64(5))));
            }
        }

        var updatedAt = PostgresCommands.Utc(updated);
        return new Session(sessionId, PostgresCommands.Utc(created), updatedAt, updatedAt + options.TimeToLive, turns);
    }
}
