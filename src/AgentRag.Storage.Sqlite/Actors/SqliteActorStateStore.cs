using AgentRag.Core.Actors;

namespace AgentRag.Storage.Sqlite.Actors;

/// <summary>
/// <see cref="IActorStateStore"/> over the <c>actor_state</c> and <c>actor_reminders</c> tables. Writes go through the
/// database's group-commit writer and complete after their group commits, so many actors persisting transitions at
/// once share commits. Thread-safe.
/// </summary>
public sealed class SqliteActorStateStore(SqliteDatabase database, TimeProvider time) : IActorStateStore
{
    public Task<string?> ReadStateAsync(ActorId id, string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return database.ReadAsync(connection =>
        {
            using var statement = connection.Prepare(
                "SELECT value FROM actor_state WHERE tenant_id = @tenant AND actor_type = @type AND actor_id = @id AND key = @key");
            Bind(statement, id).Bind("@key", key);
            return statement.Step() ? statement.GetString(0) : null;
        }, cancellationToken);
    }

    public Task WriteStateAsync(ActorId id, string key, string json, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(json);
        var now = time.GetUtcNow().UtcTicks;
        return database.WriteAsync(connection =>
        {
            using var statement = connection.Prepare("""
                INSERT INTO actor_state (tenant_id, actor_type, actor_id, key, value, updated_at)
                VALUES (@tenant, @type, @id, @key, @value, @now)
                ON CONFLICT (tenant_id, actor_type, actor_id, key) DO UPDATE SET value = excluded.value, version = version + 1, updated_at = excluded.updated_at
                """);
            Bind(statement, id).Bind("@key", key).Bind("@value", json).Bind("@now", now).Execute();
        }, cancellationToken);
    }

    public Task<ActorStateEntry?> ReadStateEntryAsync(ActorId id, string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return database.ReadAsync(connection => ReadEntry(connection, id, key), cancellationToken);
    }

    /// <remarks>The compare and the write run in one item of the single writer, so no other write comes between them.</remarks>
    public Task<string> WriteStateIfMatchAsync(ActorId id, string key, string json, string? expectedETag, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(json);
        var expected = ActorStateEntry.ParseETag(expectedETag);
        var now = time.GetUtcNow().UtcTicks;
        return database.WriteAsync(connection =>
        {
            var current = ReadEntry(connection, id, key);
            if (current?.ETag != expectedETag)
            {
                throw new ActorStateConflictException(id, key, expectedETag, current?.ETag);
            }

            var version = (expected ?? 0) + 1;
            using var statement = connection.Prepare("""
                INSERT INTO actor_state (tenant_id, actor_type, actor_id, key, value, version, updated_at)
                VALUES (@tenant, @type, @id, @key, @value, @version, @now)
                ON CONFLICT (tenant_id, actor_type, actor_id, key) DO UPDATE SET value = excluded.value, version = excluded.version, updated_at = excluded.updated_at
                """);
            Bind(statement, id).Bind("@key", key).Bind("@value", json).Bind("@version", version).Bind("@now", now).Execute();
            return ActorStateEntry.ToETag(version);
        }, cancellationToken);
    }

    private static ActorStateEntry? ReadEntry(SqliteConnection connection, ActorId id, string key)
    {
        using var statement = connection.Prepare(
            "SELECT value, version FROM actor_state WHERE tenant_id = @tenant AND actor_type = @type AND actor_id = @id AND key = @key");
        Bind(statement, id).Bind("@key", key);
        return statement.Step() ? new ActorStateEntry(statement.GetString(0), ActorStateEntry.ToETag(statement.GetInt64(1))) : null;
    }

    public Task DeleteActorAsync(ActorId id, CancellationToken cancellationToken = default) =>
        database.WriteAsync(connection =>
        {
            using (var state = connection.Prepare("DELETE FROM actor_state WHERE tenant_id = @tenant AND actor_type = @type AND actor_id = @id"))
            {
                Bind(state, id).Execute();
            }

            using var reminders = connection.Prepare("DELETE FROM actor_reminders WHERE tenant_id = @tenant AND actor_type = @type AND actor_id = @id");
            Bind(reminders, id).Execute();
        }, cancellationToken);

    public Task SaveReminderAsync(ActorReminder reminder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reminder);
        ArgumentException.ThrowIfNullOrEmpty(reminder.Name);
        return database.WriteAsync(connection =>
        {
            using var statement = connection.Prepare("""
                INSERT INTO actor_reminders (tenant_id, actor_type, actor_id, name, due_at, period_ticks, payload)
                VALUES (@tenant, @type, @id, @name, @due, @period, @payload)
                ON CONFLICT (tenant_id, actor_type, actor_id, name)
                DO UPDATE SET due_at = excluded.due_at, period_ticks = excluded.period_ticks, payload = excluded.payload
                """);
            Bind(statement, reminder.ActorId)
                .Bind("@name", reminder.Name)
                .Bind("@due", reminder.DueAt.UtcTicks)
                .Bind("@period", reminder.Period?.Ticks)
                .Bind("@payload", reminder.Payload)
                .Execute();
        }, cancellationToken);
    }

    public Task DeleteReminderAsync(ActorId id, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return database.WriteAsync(connection =>
        {
            using var statement = connection.Prepare(
                "DELETE FROM actor_reminders WHERE tenant_id = @tenant AND actor_type = @type AND actor_id = @id AND name = @name");
            Bind(statement, id).Bind("@name", name).Execute();
        }, cancellationToken);
    }

    public Task<IReadOnlyList<ActorReminder>> ListRemindersAsync(CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyList<ActorReminder>>(connection =>
        {
            using var statement = connection.Prepare(
                "SELECT tenant_id, actor_type, actor_id, name, due_at, period_ticks, payload FROM actor_reminders ORDER BY due_at");
            var reminders = new List<ActorReminder>();
            while (statement.Step())
            {
                reminders.Add(new ActorReminder(
                    new ActorId(statement.GetString(1), statement.GetString(0), statement.GetString(2)),
                    statement.GetString(3),
                    new DateTimeOffset(statement.GetInt64(4), TimeSpan.Zero),
                    statement.GetNullableInt64(5) is { } period ? TimeSpan.FromTicks(period) : null,
                    statement.GetNullableString(6)));
            }

            return reminders;
        }, cancellationToken);

    private static SqliteStatement Bind(SqliteStatement statement, ActorId id) =>
        statement.Bind("@tenant", id.TenantId).Bind("@type", id.Type).Bind("@id", id.Id);
}
