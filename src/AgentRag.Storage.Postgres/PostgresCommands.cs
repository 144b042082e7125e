using Npgsql;
using NpgsqlTypes;

namespace AgentRag.Storage.Postgres;

/// <summary>
/// Typed parameters for <see cref="NpgsqlCommand"/>: each names its PostgreSQL type, so a null is sent typed and
/// <c>@p IS NULL OR column = @p</c> works for optional filters.
/// </summary>
internal static class PostgresCommands
{
    public static NpgsqlCommand Command(this NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null) =>
        new(sql, connection, transaction);

    public static NpgsqlCommand With(this NpgsqlCommand command, string name, string? value) =>
        command.Add(name, NpgsqlDbType.Text, value);

    public static NpgsqlCommand With(this NpgsqlCommand command, string name, long? value) =>
        command.Add(name, NpgsqlDbType.Bigint, value);

    public static NpgsqlCommand With(this NpgsqlCommand command, string name, int? value) =>
        command.Add(name, NpgsqlDbType.Integer, value);

    public static NpgsqlCommand With(this NpgsqlCommand command, string name, double? value) =>
        command.Add(name, NpgsqlDbType.Double, value);

    public static NpgsqlCommand With(this NpgsqlCommand command, string name, bool value) =>
        command.Add(name, NpgsqlDbType.Boolean, value);

    public static NpgsqlCommand With(this NpgsqlCommand command, string name, byte[]? value) =>
        command.Add(name, NpgsqlDbType.Bytea, value);

    public static NpgsqlCommand With(this NpgsqlCommand command, string name, string[] value) =>
        command.Add(name, NpgsqlDbType.Array | NpgsqlDbType.Text, value);

    public static string? GetNullableString(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long? GetNullableInt64(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    public static DateTimeOffset Utc(long ticks) => new(ticks, TimeSpan.Zero);

    private static NpgsqlCommand Add(this NpgsqlCommand command, string name, NpgsqlDbType type, object? value)
    {
        command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });
        return command;
    }
}
