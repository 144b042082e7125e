using AgentRag.Core.Actors;
using Npgsql;

namespace AgentRag.Storage.Postgres.Actors;

/// <summary>
/// <see cref="IActorStateStore"/> over <c>actor_state</c> and <c>actor_reminders</c>. Each state row carries a version,
/// its ETag, bumped by every write; <see cref="WriteStateIfMatchAsync"/> is a compare-and-set on it, so two replicas
/// that both believe they own an actor cannot overwrite each other's state unnoticed. Thread-safe.
/// </summary>
public sealed class PostgresActorStateStore(PostgresDatabase database, TimeProvider time) : IActorStateStore
{
    public async Task<string?> ReadStateAsync(ActorId id, string key, CancellationToken cancellationToken = default) =>
        (await ReadStateEntryAsync(id, key, cancellationToken))?.Json;

    public async Task<ActorStateEntry?> ReadStateEntryAsync(ActorId id, string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = WithActor(connection.Command(
            "SELECT value, version FROM actor_state WHERE tenant_id = @tenant AND actor_type = @type AND actor_id = @id AND key = @key"), id)
            .With("key", key);
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        return await row.ReadAsync(cancellationToken) ? new ActorStateEntry(row.GetString(0), ActorStateEntry.ToETag(row.GetInt64(1))) : null;
    }

    public async Task WriteStateAsync(ActorId id, string key, string json, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(json);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = WithActor(connection.Command("""
            INSERT INTO actor_state AS s (tenant_id, actor_type, actor_id, key, value, version, updated_at)
            VALUES (@tenant, @type, @id, @key, @value, 1, @now)
            ON CONFLICT (tenant_id, actor_type, actor_id, key) DO UPDATE SET value = excluded.value, version = s.version + 1, updated_at = excluded.updated_at
            """), id).With("key", key).With("value", json).With("now", time.GetUtcNow().UtcTicks);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<string> WriteStateIfMatchAsync(ActorId id, string key, string json, string? expectedETag, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(json);
        var expected = ActorStateEntry.ParseETag(expectedETag);
        await using var connection = await database.OpenAsync(cancellationToken);
        var now = time.GetUtcNow().UtcTicks;
        NpgsqlCommand command = expected is { } version
            ? WithActor(connection.Command("""
                UPDATE actor_state SET value = @value, version = version + 1, updated_at = @now
                WHERE tenant_id = @tenant AND actor_type = @type AND actor_id = @id AND key = @key AND version = @expected
                RETURNING version
                """), id).With("expected", version)
            : WithActor(connection.Command("""
                INSERT INTO actor_state (tenant_id, actor_type, actor_id, key, value, version, updated_at)
                VALUES (@tenant, @type, @id, @key, @value, 1, @now)
                ON CONFLICT (tenant_id, actor_type, actor_id, key) DO NOTHING
                RETURNING version
                """), id);
        await using (command)
        {
            command.With("key", key).With("value", json).With("now", now);
            if (await command.ExecuteScalarAsync(cancellationToken) is long written)
            {
                return ActorStateEntry.ToETag(written);
            }
        }

        var current = await ReadStateEntryAsync(id, key, cancellationToken);
        throw new ActorStateConflictException(id, key, expectedETag, current?.ETag);
    }

    public async Task DeleteActorAsync(ActorId id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = WithActor(connection.Command(
            "DELETE FROM actor_state WHERE tenant_id = @tenant AND actor_type = @type AND actor_id = @id; " +
            "DELETE FROM actor_reminders WHERE tenant_id = @tenant AND actor_type = @type AND actor_id = @id"), id);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task SaveReminderAsync(ActorReminder reminder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reminder);
        ArgumentException.ThrowIfNullOrEmpty(reminder.Name);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = WithActor(connection.Command("""
            INSERT INTO actor_reminders (tenant_id, actor_type, actor_id, name, due_at, period_ticks, payload)
            VALUES (@tenant, @type, @id, @name, @due, @period, @payload)
            ON CONFLICT (tenant_id, actor_type, actor_id, name)
            DO UPDATE SET due_at = excluded.due_at, period_ticks = excluded.period_ticks, payload = excluded.payload
            """), reminder.ActorId)
            .With("name", reminder.Name).With("due", reminder.DueAt.UtcTicks).With("period", reminder.Period?.Ticks).With("payload", reminder.Payload);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task DeleteReminderAsync(ActorId id, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = WithActor(connection.Command(
            "DELETE FROM actor_reminders WHERE tenant_id = @tenant AND actor_type = @type AND actor_id = @id AND name = @name"), id)
            .With("name", name);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<ActorReminder>> ListRemindersAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT tenant_id, actor_type, actor_id, name, due_at, period_ticks, payload FROM actor_reminders ORDER BY due_at, tenant_id, actor_type, actor_id, name");
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        var reminders = new List<ActorReminder>();
        while (await row.ReadAsync(cancellationToken))
        {
            reminders.Add(new ActorReminder(
                new ActorId(row.GetString(1), row.GetString(0), row.GetString(2)),
                row.GetString(3),
                PostgresCommands.Utc(row.GetInt64(4)),
                row.GetNullableInt64(5) is { } period ? TimeSpan.FromTicks(period) : null,
                row.GetNullableString(6)));
        }

        return reminders;
    }

    private static NpgsqlCommand WithActor(NpgsqlCommand command, ActorId id) =>
        command.With("tenant", id.TenantId).With("type", id.Type).With("id", id.Id);
}
