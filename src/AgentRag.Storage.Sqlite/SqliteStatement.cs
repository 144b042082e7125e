using SQLitePCL;

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
/// A prepared statement leased from its connection's cache. Bind parameters (1-based index or name such as
/// <c>@id</c>), then <see cref="Step"/> through rows or <see cref="Execute"/> it. Dispose returns it to the cache
/// (reset, bindings cleared); using it afterwards throws <see cref="ObjectDisposedException"/>. Not thread-safe.
/// </summary>
public sealed class SqliteStatement : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _stmt;
    private bool _leased;
    private bool _hasRow;

    internal SqliteStatement(SqliteConnection connection, sqlite3_stmt stmt, string sql)
    {
        _connection = connection;
        _stmt = stmt;
        Sql = sql;
    }

    public string Sql { get; }

    public int ParameterCount => raw.sqlite3_bind_parameter_count(Handle);

    public int ColumnCount => raw.sqlite3_column_count(Handle);

    private sqlite3_stmt Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(!_leased, this);
            return _stmt;
        }
    }

    public SqliteStatement BindNull(int index) => Check(raw.sqlite3_bind_null(Handle, index), index);

    public SqliteStatement Bind(int index, long value) => Check(raw.sqlite3_bind_int64(Handle, index, value), index);

    public SqliteStatement Bind(int index, double value) => Check(raw.sqlite3_bind_double(Handle, index, value), index);

    /// <summary>Binds text, or NULL when <paramref name="value"/> is null.</summary>
    public SqliteStatement Bind(int index, string? value) =>
        value is null ? BindNull(index) : Check(raw.sqlite3_bind_text(Handle, index, value), index);

    /// <summary>Binds a blob (SQLite copies the bytes), or NULL when <paramref name="value"/> is null.</summary>
    public SqliteStatement Bind(int index, byte[]? value) =>
        value is null ? BindNull(index) : Bind(index, (ReadOnlySpan<byte>)value);

    /// <summary>Binds a blob; SQLite copies the bytes.</summary>
    public SqliteStatement Bind(int index, ReadOnlySpan<byte> value) =>
        Check(raw.sqlite3_bind_blob(Handle, index, value), index);

    public SqliteStatement Bind(int index, long? value) => value is { } v ? Bind(index, v) : BindNull(index);

    public SqliteStatement Bind(int index, double? value) => value is { } v ? Bind(index, v) : BindNull(index);

    public SqliteStatement BindNull(string name) => BindNull(IndexOf(name));

    public SqliteStatement Bind(string name, long value) => Bind(IndexOf(name), value);

    public SqliteStatement Bind(string name, double value) => Bind(IndexOf(name), value);

    public SqliteStatement Bind(string name, string? value) => Bind(IndexOf(name), value);

    public SqliteStatement Bind(string name, byte[]? value) => Bind(IndexOf(name), value);

    public SqliteStatement Bind(string name, ReadOnlySpan<byte> value) => Bind(IndexOf(name), value);

    public SqliteStatement Bind(string name, long? value) => Bind(IndexOf(name), value);

    public SqliteStatement Bind(string name, double? value) => Bind(IndexOf(name), value);

    /// <summary>
    /// Advances to the next row: true when a row is available, false when the statement is done.
    /// Throws <see cref="SqliteException"/> with the statement's SQL on failure (the statement is then reset).
    /// </summary>
    public bool Step()
    {
        var rc = raw.sqlite3_step(Handle);
        if (rc == raw.SQLITE_ROW)
        {
            _hasRow = true;
            return true;
        }

        _hasRow = false;
        if (rc == raw.SQLITE_DONE)
        {
            return false;
        }

        var error = SqliteException.FromConnection(_connection.Handle, rc, Sql);
        raw.sqlite3_reset(_stmt);
        throw error;
    }

    /// <summary>Runs the statement to completion, resets it (keeping bindings) and returns the rows it changed.</summary>
    public int Execute()
    {
        while (Step())
        {
        }

        raw.sqlite3_reset(_stmt);
        return _connection.Changes;
    }

    /// <summary>Resets the statement to run again; bindings are kept.</summary>
    public void Reset()
    {
        raw.sqlite3_reset(Handle);
        _hasRow = false;
    }

    public SqliteValueType GetValueType(int column) => (SqliteValueType)raw.sqlite3_column_type(RowHandle(column), column);

    public bool IsNull(int column) => GetValueType(column) == SqliteValueType.Null;

    public string GetColumnName(int column) => raw.sqlite3_column_name(Handle, column).utf8_to_string();

    public long GetInt64(int column) => raw.sqlite3_column_int64(NonNull(column), column);

    public int GetInt32(int column)
    {
        var value = GetInt64(column);
        return value is < int.MinValue or > int.MaxValue
            ? throw new InvalidCastException($"Column {column} ('{GetColumnName(column)}') holds {value}, outside Int32. SQL: {Sql}")
            : (int)value;
    }

    public double GetDouble(int column) => raw.sqlite3_column_double(NonNull(column), column);

    public string GetString(int column) => raw.sqlite3_column_text(NonNull(column), column).utf8_to_string();

    public byte[] GetBlob(int column) => raw.sqlite3_column_blob(NonNull(column), column).ToArray();

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
        _hasRow = false;
        raw.sqlite3_reset(_stmt);
        raw.sqlite3_clear_bindings(_stmt);
    }

    internal void FinalizeHandle() => _stmt.Dispose();

    private int IndexOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var index = raw.sqlite3_bind_parameter_index(Handle, name);
        return index > 0
            ? index
            : throw new ArgumentException($"The statement has no parameter named '{name}'. SQL: {Sql}", nameof(name));
    }

    private SqliteStatement Check(int rc, int index)
    {
        if (rc == raw.SQLITE_RANGE)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The statement has {ParameterCount} parameter(s); index {index} is out of range. SQL: {Sql}");
        }

        if (rc != raw.SQLITE_OK)
        {
            throw SqliteException.FromConnection(_connection.Handle, rc, Sql);
        }

        return this;
    }

    private sqlite3_stmt RowHandle(int column)
    {
        var stmt = Handle;
        if (!_hasRow)
        {
            throw new InvalidOperationException($"No current row: call Step() and check it returned true before reading columns. SQL: {Sql}");
        }

        if ((uint)column >= (uint)raw.sqlite3_column_count(stmt))
        {
            throw new ArgumentOutOfRangeException(nameof(column), column, $"The statement has {raw.sqlite3_column_count(stmt)} column(s). SQL: {Sql}");
        }

        return stmt;
    }

    private sqlite3_stmt NonNull(int column)
    {
        var stmt = RowHandle(column);
        return raw.sqlite3_column_type(stmt, column) == raw.SQLITE_NULL
            ? throw new InvalidCastException($"Column {column} ('{GetColumnName(column)}') is NULL; use the GetNullable… reader. SQL: {Sql}")
            : stmt;
    }
}
