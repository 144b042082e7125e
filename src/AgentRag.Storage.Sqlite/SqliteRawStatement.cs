using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AgentRag.Storage.Sqlite;

/// <summary>
/// One SQLitePCLRaw <c>sqlite3_stmt</c> prepared on a Microsoft.Data.Sqlite connection's handle and reused with
/// bind/step/reset. It backs <see cref="SqliteStatement"/> on connections opened with
/// <see cref="SqliteConnectionOptions.RawStatements"/> (the group-commit writer, ADR 0025), where a
/// <see cref="SqliteCommand"/> per execution cost about a quarter of the writer's rate. Parameter names are resolved once
/// at prepare; failures are Microsoft.Data.Sqlite's <see cref="SqliteException"/>, as on the command path.
/// Not thread-safe.
/// </summary>
internal sealed class SqliteRawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;
    private readonly string _sql;

    // Index i holds the name of SQLite's parameter i + 1 (null for a nameless '?'); _bound tracks which are bound.
    private readonly string?[] _parameterNames;
    private readonly bool[] _bound;
    private int _boundCount;
    private bool _running;

    private SqliteRawStatement(sqlite3 db, sqlite3_stmt stmt, string sql)
    {
        _db = db;
        _stmt = stmt;
        _sql = sql;
        var count = raw.sqlite3_bind_parameter_count(stmt);
        _parameterNames = new string?[count];
        _bound = new bool[count];
        for (var i = 0; i < count; i++)
        {
            _parameterNames[i] = raw.sqlite3_bind_parameter_name(stmt, i + 1).utf8_to_string();
        }
    }

    public int ColumnCount => raw.sqlite3_column_count(_stmt);

    /// <summary>
    /// Prepares exactly one statement (a trailing semicolon and comments are allowed). Throws
    /// <see cref="SqliteException"/> for invalid SQL and <see cref="ArgumentException"/> for text holding no
    /// statement or several.
    /// </summary>
    public static SqliteRawStatement Prepare(sqlite3 db, string sql)
    {
        var rc = raw.sqlite3_prepare_v3(db, sql, raw.SQLITE_PREPARE_PERSISTENT, out var stmt, out var tail);
        if (rc != raw.SQLITE_OK)
        {
            stmt?.Dispose();
            SqliteException.ThrowExceptionForRC(rc, db);
        }

        if (stmt is null || stmt.IsInvalid)
        {
            throw new ArgumentException($"The SQL text holds no statement: '{sql}'.", nameof(sql));
        }

        if (!IsOnlyCommentsOrSemicolons(tail))
        {
            stmt.Dispose();
            throw new ArgumentException($"Prepare accepts exactly one statement; use ExecuteScript for several. SQL: {sql}", nameof(sql));
        }

        return new SqliteRawStatement(db, stmt, sql);
    }

    /// <summary>SQLite's 1-based index of parameter <paramref name="name"/>; throws <see cref="ArgumentException"/> when the statement has none by that name.</summary>
    public int IndexOf(string name)
    {
        var names = _parameterNames;
        for (var i = 0; i < names.Length; i++)
        {
            if (ReferenceEquals(names[i], name) || string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i + 1;
            }
        }

        throw new ArgumentException($"The statement has no parameter named '{name}'. SQL: {_sql}", nameof(name));
    }

    public void BindNull(int index) => Bound(index, raw.sqlite3_bind_null(_stmt, index));

    public void Bind(int index, long value) => Bound(index, raw.sqlite3_bind_int64(_stmt, index, value));

    public void Bind(int index, double value) => Bound(index, raw.sqlite3_bind_double(_stmt, index, value));

    public void Bind(int index, string value) => Bound(index, raw.sqlite3_bind_text(_stmt, index, value));

    /// <summary>Binds a blob; SQLite copies the bytes.</summary>
    public void Bind(int index, ReadOnlySpan<byte> value) => Bound(index, raw.sqlite3_bind_blob(_stmt, index, value));

    /// <summary>
    /// Advances to the next row. Throws <see cref="InvalidOperationException"/> naming a parameter left unbound, and
    /// <see cref="SqliteException"/> when SQLite fails (the statement is then reset, bindings kept).
    /// </summary>
    public bool Step()
    {
        if (!_running && _boundCount != _bound.Length)
        {
            throw new InvalidOperationException($"The statement's parameter '{FirstUnbound()}' has no value; bind every parameter before running it. SQL: {_sql}");
        }

        var rc = raw.sqlite3_step(_stmt);
        if (rc == raw.SQLITE_ROW)
        {
            _running = true;
            return true;
        }

        _running = false;
        if (rc == raw.SQLITE_DONE)
        {
            return false;
        }

        try
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
            return false;
        }
        finally
        {
            raw.sqlite3_reset(_stmt);
        }
    }

    /// <summary>Runs the statement from its start to completion and resets it, keeping the bindings.</summary>
    public void Execute()
    {
        if (_running)
        {
            Reset();
        }

        while (Step())
        {
        }

        Reset();
    }

    /// <summary>Resets the statement to run again; bindings are kept.</summary>
    public void Reset()
    {
        _running = false;
        raw.sqlite3_reset(_stmt);
    }

    /// <summary>Resets the statement and clears its bindings.</summary>
    public void ResetAndClearBindings()
    {
        Reset();
        raw.sqlite3_clear_bindings(_stmt);
        Array.Clear(_bound);
        _boundCount = 0;
    }

    public SqliteValueType GetValueType(int column) => (SqliteValueType)raw.sqlite3_column_type(_stmt, column);

    public string GetColumnName(int column) => raw.sqlite3_column_name(_stmt, column).utf8_to_string();

    public long GetInt64(int column) => raw.sqlite3_column_int64(_stmt, column);

    public double GetDouble(int column) => raw.sqlite3_column_double(_stmt, column);

    public string GetString(int column) => raw.sqlite3_column_text(_stmt, column).utf8_to_string();

    public byte[] GetBlob(int column) => raw.sqlite3_column_blob(_stmt, column).ToArray();

    /// <summary>Finalizes the statement.</summary>
    public void Dispose() => _stmt.Dispose();

    private void Bound(int index, int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }

        if (!_bound[index - 1])
        {
            _bound[index - 1] = true;
            _boundCount++;
        }
    }

    private string FirstUnbound()
    {
        var index = Array.IndexOf(_bound, false);
        return _parameterNames[index] ?? "?" + (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool IsOnlyCommentsOrSemicolons(string? tail)
    {
        var text = tail.AsSpan().Trim();
        while (!text.IsEmpty)
        {
            if (text.StartsWith("--"))
            {
                var end = text.IndexOf('\n');
                text = end < 0 ? [] : text[(end + 1)..].TrimStart();
            }
            else if (text.StartsWith("/*"))
            {
                var end = text.IndexOf("*/");
                text = end < 0 ? [] : text[(end + 2)..].TrimStart();
            }
            else if (text[0] == ';')
            {
                text = text[1..].TrimStart();
            }
            else
            {
                return false;
            }
        }

        return true;
    }
}
