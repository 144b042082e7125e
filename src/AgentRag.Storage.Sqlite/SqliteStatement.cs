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
/// A prepared Microsoft.Data.Sqlite command leased from its connection's cache. Bind parameters by name (such as
/// <c>@id</c>; running it with a parameter left unbound throws <see cref="InvalidOperationException"/>), then <see cref="Step"/> through rows or <see cref="Execute"/> it.
/// Dispose returns it to the cache (bindings cleared); using it afterwards throws
/// <see cref="ObjectDisposedException"/>. Not thread-safe.
/// </summary>
public sealed class SqliteStatement : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _command;
    private SqliteDataReader? _reader;
    private bool _leased;
    private bool _hasRow;

    internal SqliteStatement(SqliteConnection connection, SqliteCommand command)
    {
        _connection = connection;
        _command = command;
    }

    public string Sql => _command.CommandText;

    /// <summary>The columns of the current row.</summary>
    public int ColumnCount => CurrentRow().FieldCount;

    private SqliteCommand Command
    {
        get
        {
            ObjectDisposedException.ThrowIf(!_leased, this);
            return _command;
        }
    }

    public SqliteStatement BindNull(string name) => Set(name, DBNull.Value);

    public SqliteStatement Bind(string name, long value) => Set(name, value);

    public SqliteStatement Bind(string name, double value) => Set(name, value);

    /// <summary>Binds text, or NULL when <paramref name="value"/> is null.</summary>
    public SqliteStatement Bind(string name, string? value) => Set(name, value is null ? DBNull.Value : value);

    /// <summary>Binds a blob, or NULL when <paramref name="value"/> is null.</summary>
    public SqliteStatement Bind(string name, byte[]? value) => Set(name, value is null ? DBNull.Value : value);

    /// <summary>Binds a copy of the bytes as a blob.</summary>
    public SqliteStatement Bind(string name, ReadOnlySpan<byte> value) => Set(name, value.ToArray());

    public SqliteStatement Bind(string name, long? value) => Set(name, value is { } v ? v : DBNull.Value);

    public SqliteStatement Bind(string name, double? value) => Set(name, value is { } v ? v : DBNull.Value);

    /// <summary>
    /// Advances to the next row: true when a row is available, false when the statement is done.
    /// Throws <see cref="SqliteException"/> on failure (the statement is then reset).
    /// </summary>
    public bool Step()
    {
        var command = Command;
        try
        {
            _reader ??= command.ExecuteReader();
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
        var command = Command;
        Reset();
        command.ExecuteNonQuery();
        return _connection.Changes;
    }

    /// <summary>Resets the statement to run again; bindings are kept.</summary>
    public void Reset()
    {
        _hasRow = false;
        if (_reader is { } reader)
        {
            _reader = null;
            reader.Dispose();
        }
    }

    public SqliteValueType GetValueType(int column) => Row(column).GetValue(column) switch
    {
        long => SqliteValueType.Integer,
        double => SqliteValueType.Float,
        string => SqliteValueType.Text,
        byte[] => SqliteValueType.Blob,
        _ => SqliteValueType.Null,
    };

    public bool IsNull(int column) => Row(column).IsDBNull(column);

    public string GetColumnName(int column) => Row(column).GetName(column);

    public long GetInt64(int column) => NonNull(column).GetInt64(column);

    public int GetInt32(int column)
    {
        var value = GetInt64(column);
        return value is < int.MinValue or > int.MaxValue
            ? throw new InvalidCastException($"Column {column} ('{GetColumnName(column)}') holds {value}, outside Int32. SQL: {Sql}")
            : (int)value;
    }

    public double GetDouble(int column) => NonNull(column).GetDouble(column);

    public string GetString(int column) => NonNull(column).GetString(column);

    public byte[] GetBlob(int column) => NonNull(column).GetFieldValue<byte[]>(column);

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
        _command.Parameters.Clear();
    }

    internal void DisposeCommand()
    {
        Reset();
        _command.Dispose();
    }

    private SqliteStatement Set(string name, object value)
    {
        ArgumentNullException.ThrowIfNull(name);
        var parameters = Command.Parameters;
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

    private SqliteDataReader CurrentRow()
    {
        ObjectDisposedException.ThrowIf(!_leased, this);
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
