using Microsoft.Data.Sqlite;

namespace AgentRag.Storage.Sqlite;

/// <summary>SQLite's storage classes, as reported for a column of the current row.</summary>
public enum SqliteValueType
{
    Integer = 1,
    Float = 2,
    Text = 3,
    Blob = 4,
    Null = 5,
}

/// <summary>
/// A prepared statement leased from its connection's cache: a Microsoft.Data.Sqlite command, or on a connection
/// opened with <see cref="SqliteConnectionOptions.RawStatements"/> a raw SQLitePCLRaw statement (the group-commit
/// writer's hot loop, ADR 0025); both behave alike. Bind parameters by name (such as <c>@id</c>; running it with a
/// parameter left unbound throws <see cref="InvalidOperationException"/>), then <see cref="Step"/> through rows or
/// <see cref="Execute"/> it. Dispose returns it to the cache (bindings cleared); using it afterwards throws
/// <see cref="ObjectDisposedException"/>. Not thread-safe.
/// </summary>
public sealed class SqliteStatement : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand? _command;
    private readonly SqliteRawStatement? _raw;
    private SqliteDataReader? _reader;
    private bool _leased;
    private bool _hasRow;

    internal SqliteStatement(SqliteConnection connection, SqliteCommand command)
    {
        _connection = connection;
        _command = command;
        Sql = command.CommandText;
    }

    internal SqliteStatement(SqliteConnection connection, SqliteRawStatement statement, string sql)
    {
        _connection = connection;
        _raw = statement;
        Sql = sql;
    }

    public string Sql { get; }

    /// <summary>The columns of the current row.</summary>
    public int ColumnCount => _raw is { } raw ? RawRow(raw).ColumnCount : CurrentRow().FieldCount;

    public SqliteStatement BindNull(string name)
    {
        if (_raw is { } raw)
        {
            raw.BindNull(RawIndex(raw, name));
            return this;
        }

        return Set(name, DBNull.Value);
    }

    public SqliteStatement Bind(string name, long value)
    {
        if (_raw is { } raw)
        {
            raw.Bind(RawIndex(raw, name), value);
            return this;
        }

        return Set(name, value);
    }

    public SqliteStatement Bind(string name, double value)
    {
        if (_raw is { } raw)
        {
            raw.Bind(RawIndex(raw, name), value);
            return this;
        }

        return Set(name, value);
    }

    /// <summary>Binds text, or NULL when <paramref name="value"/> is null.</summary>
    public SqliteStatement Bind(string name, string? value)
    {
        if (value is null)
        {
            return BindNull(name);
        }

        if (_raw is { } raw)
        {
            raw.Bind(RawIndex(raw, name), value);
            return this;
        }

        return Set(name, value);
    }

    /// <summary>Binds a blob, or NULL when <paramref name="value"/> is null.</summary>
    public SqliteStatement Bind(string name, byte[]? value) =>
        value is null ? BindNull(name) : _raw is null ? Set(name, value) : Bind(name, (ReadOnlySpan<byte>)value);

    /// <summary>Binds a copy of the bytes as a blob.</summary>
    public SqliteStatement Bind(string name, ReadOnlySpan<byte> value)
    {
        if (_raw is { } raw)
        {
            raw.Bind(RawIndex(raw, name), value);
            return this;
        }

        return Set(name, value.ToArray());
    }

    public SqliteStatement Bind(string name, long? value) => value is { } v ? Bind(name, v) : BindNull(name);

    public SqliteStatement Bind(string name, double? value) => value is { } v ? Bind(name, v) : BindNull(name);

    /// <summary>
    /// Advances to the next row: true when a row is available, false when the statement is done.
    /// Throws <see cref="SqliteException"/> on failure (the statement is then reset).
    /// </summary>
    public bool Step()
    {
        Leased();
        if (_raw is { } raw)
        {
            _hasRow = false;
            return _hasRow = raw.Step();
        }

        try
        {
            _reader ??= _command!.ExecuteReader();
            _hasRow = _reader.Read();
        }
        catch
        {
            Reset();
            throw;
        }

        return _hasRow;
    }

    /// <summary>Runs the statement to completion, resets it (keeping bindings) and returns the rows it changed.</summary>
    public int Execute()
    {
        Leased();
        if (_raw is { } raw)
        {
            _hasRow = false;
            raw.Execute();
        }
        else
        {
            Reset();
            _command!.ExecuteNonQuery();
        }

        return _connection.Changes;
    }

    /// <summary>Resets the statement to run again; bindings are kept.</summary>
    public void Reset()
    {
        _hasRow = false;
        _raw?.Reset();
        if (_reader is { } reader)
        {
            _reader = null;
            reader.Dispose();
        }
    }

    public SqliteValueType GetValueType(int column) => _raw is { } raw
        ? RawColumn(raw, column).GetValueType(column)
        : Row(column).GetValue(column) switch
        {
            long => SqliteValueType.Integer,
            double => SqliteValueType.Float,
            string => SqliteValueType.Text,
            byte[] => SqliteValueType.Blob,
            _ => SqliteValueType.Null,
        };

    public bool IsNull(int column) => _raw is { } raw
        ? RawColumn(raw, column).GetValueType(column) == SqliteValueType.Null
        : Row(column).IsDBNull(column);

    public string GetColumnName(int column) => _raw is { } raw ? RawColumn(raw, column).GetColumnName(column) : Row(column).GetName(column);

    public long GetInt64(int column) => _raw is { } raw ? RawNonNull(raw, column).GetInt64(column) : NonNull(column).GetInt64(column);

    public int GetInt32(int column)
    {
        var value = GetInt64(column);
        return value is < int.MinValue or > int.MaxValue
            ? throw new InvalidCastException($"Column {column} ('{GetColumnName(column)}') holds {value}, outside Int32. SQL: {Sql}")
            : (int)value;
    }

    public double GetDouble(int column) => _raw is { } raw ? RawNonNull(raw, column).GetDouble(column) : NonNull(column).GetDouble(column);

    public string GetString(int column) => _raw is { } raw ? RawNonNull(raw, column).GetString(column) : NonNull(column).GetString(column);

    public byte[] GetBlob(int column) => _raw is { } raw ? RawNonNull(raw, column).GetBlob(column) : NonNull(column).GetFieldValue<byte[]>(column);

    public long? GetNullableInt64(int column) => IsNull(column) ? null : GetInt64(column);

    public double? GetNullableDouble(int column) => IsNull(column) ? null : GetDouble(column);

    public string? GetNullableString(int column) => IsNull(column) ? null : GetString(column);

    public byte[]? GetNullableBlob(int column) => IsNull(column) ? null : GetBlob(column);

    /// <summary>Returns the statement to its connection's cache.</summary>
    public void Dispose()
    {
        if (!_leased)
        {
            return;
        }

        _leased = false;
        _connection.Return(this);
    }

    internal void Lease() => _leased = true;

    internal void ResetForReuse()
    {
        Reset();
        _raw?.ResetAndClearBindings();
        _command?.Parameters.Clear();
    }

    internal void DisposeStatement()
    {
        Reset();
        _raw?.Dispose();
        _command?.Dispose();
    }

    private void Leased() => ObjectDisposedException.ThrowIf(!_leased, this);

    private int RawIndex(SqliteRawStatement raw, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Leased();
        return raw.IndexOf(name);
    }

    private SqliteStatement Set(string name, object value)
    {
        ArgumentNullException.ThrowIfNull(name);
        Leased();
        var parameters = _command!.Parameters;
        var index = parameters.IndexOf(name);
        if (index >= 0)
        {
            parameters[index].Value = value;
        }
        else
        {
            parameters.AddWithValue(name, value);
        }

        return this;
    }

    private SqliteRawStatement RawRow(SqliteRawStatement raw)
    {
        Leased();
        return _hasRow
            ? raw
            : throw new InvalidOperationException($"No current row: call Step() and check it returned true before reading columns. SQL: {Sql}");
    }

    private SqliteRawStatement RawColumn(SqliteRawStatement raw, int column)
    {
        var count = RawRow(raw).ColumnCount;
        return (uint)column < (uint)count
            ? raw
            : throw new ArgumentOutOfRangeException(nameof(column), column, $"The statement has {count} column(s). SQL: {Sql}");
    }

    private SqliteRawStatement RawNonNull(SqliteRawStatement raw, int column) =>
        RawColumn(raw, column).GetValueType(column) == SqliteValueType.Null
            ? throw new InvalidCastException($"Column {column} ('{GetColumnName(column)}') is NULL; use the GetNullable… reader. SQL: {Sql}")
            : raw;

    private SqliteDataReader CurrentRow()
    {
        Leased();
        return _hasRow && _reader is { } reader
            ? reader
            : throw new InvalidOperationException($"No current row: call Step() and check it returned true before reading columns. SQL: {Sql}");
    }

    private SqliteDataReader Row(int column)
    {
        var reader = CurrentRow();
        return (uint)column < (uint)reader.FieldCount
            ? reader
            : throw new ArgumentOutOfRangeException(nameof(column), column, $"The statement has {reader.FieldCount} column(s). SQL: {Sql}");
    }

    private SqliteDataReader NonNull(int column)
    {
        var reader = Row(column);
        return reader.IsDBNull(column)
            ? throw new InvalidCastException($"Column {column} ('{GetColumnName(column)}') is NULL; use the GetNullable… reader. SQL: {Sql}")
            : reader;
    }
}
