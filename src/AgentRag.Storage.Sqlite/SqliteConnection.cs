using SQLitePCL;

namespace AgentRag.Storage.Sqlite;

/// <summary>How a connection opens its database file.</summary>
public enum SqliteOpenMode
{
    /// <summary>Read and write; create the file when it does not exist.</summary>
    ReadWriteCreate,

    /// <summary>Read and write an existing file.</summary>
    ReadWrite,

    /// <summary>Read an existing file; every write fails with SQLITE_READONLY.</summary>
    ReadOnly,
}

/// <summary>Settings of one <see cref="SqliteConnection"/>.</summary>
public sealed record SqliteConnectionOptions
{
    public SqliteOpenMode Mode { get; init; } = SqliteOpenMode.ReadWriteCreate;

    /// <summary>How long a statement waits for another process's lock before failing with SQLITE_BUSY.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How many prepared statements the connection keeps for reuse.</summary>
    public int StatementCacheCapacity { get; init; } = 128;
}

/// <summary>
/// One connection to a SQLite database over SQLitePCLRaw. Opened in WAL mode with <c>synchronous=NORMAL</c>,
/// foreign keys on and a busy timeout. Not thread-safe: use a connection from one thread at a time
/// (<see cref="SqliteDatabase"/> hands out connections that way).
/// </summary>
public sealed class SqliteConnection : IDisposable
{
    private readonly sqlite3 _db;
    private readonly Dictionary<string, SqliteStatement> _statementCache = new(StringComparer.Ordinal);
    private readonly List<SqliteTransaction> _transactions = [];
    private readonly int _statementCacheCapacity;
    private bool _disposed;

    private SqliteConnection(sqlite3 db, string path, SqliteOpenMode mode, int statementCacheCapacity)
    {
        _db = db;
        FilePath = path;
        Mode = mode;
        _statementCacheCapacity = statementCacheCapacity;
    }

    /// <summary>The database file this connection opened.</summary>
    public string FilePath { get; }

    public SqliteOpenMode Mode { get; }

    /// <summary>True while a transaction (begun here or by raw SQL) is open.</summary>
    public bool IsInTransaction => raw.sqlite3_get_autocommit(Handle) == 0;

    /// <summary>Rows changed by the most recent INSERT, UPDATE or DELETE.</summary>
    public int Changes => raw.sqlite3_changes(Handle);

    /// <summary>Rows changed since the connection opened.</summary>
    public int TotalChanges => raw.sqlite3_total_changes(Handle);

    public long LastInsertRowId => raw.sqlite3_last_insert_rowid(Handle);

    internal sqlite3 Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _db;
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> (or <c>:memory:</c>). Throws <see cref="SqliteException"/> naming the file
    /// when it cannot be opened or configured.
    /// </summary>
    public static SqliteConnection Open(string path, SqliteConnectionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new SqliteConnectionOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BusyTimeout, TimeSpan.Zero, nameof(options.BusyTimeout));
        ArgumentOutOfRangeException.ThrowIfNegative(options.StatementCacheCapacity, nameof(options.StatementCacheCapacity));
        SqliteNative.EnsureInitialized();

        var flags = raw.SQLITE_OPEN_NOMUTEX | options.Mode switch
        {
            SqliteOpenMode.ReadWriteCreate => raw.SQLITE_OPEN_READWRITE | raw.SQLITE_OPEN_CREATE,
            SqliteOpenMode.ReadWrite => raw.SQLITE_OPEN_READWRITE,
            SqliteOpenMode.ReadOnly => raw.SQLITE_OPEN_READONLY,
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Mode, "Unknown open mode."),
        };

        var rc = raw.sqlite3_open_v2(path, out var db, flags, null);
        if (rc != raw.SQLITE_OK)
        {
            var detail = db is null || db.IsInvalid ? null : raw.sqlite3_errmsg(db).utf8_to_string();
            db?.Dispose();
            throw SqliteException.Create(rc, $"cannot open database file '{path}' ({options.Mode}){(detail is null ? "" : ": " + detail)}", sql: null);
        }

        var connection = new SqliteConnection(db, path, options.Mode, options.StatementCacheCapacity);
        try
        {
            raw.sqlite3_extended_result_codes(db, 1);
            raw.sqlite3_busy_timeout(db, (int)Math.Min(int.MaxValue, options.BusyTimeout.TotalMilliseconds));
            if (options.Mode != SqliteOpenMode.ReadOnly)
            {
                // The journal mode is persistent in the file, so read-only connections inherit it.
                connection.ExecuteScript("PRAGMA journal_mode=WAL;");
            }

            connection.ExecuteScript("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
            return connection;
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new SqliteException($"Cannot use database file '{path}': {ex.Message}", ex.ExtendedResultCode, ex.Sql, ex);
        }
    }

    /// <summary>
    /// Returns a prepared statement for one SQL statement, reset and with no bindings. Statements are cached per
    /// connection: dispose the statement to return it. Throws <see cref="SqliteException"/> for invalid SQL and
    /// <see cref="ArgumentException"/> when <paramref name="sql"/> holds no statement or more than one.
    /// </summary>
    public SqliteStatement Prepare(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var db = Handle;
        if (_statementCache.Remove(sql, out var cached))
        {
            cached.Lease();
            return cached;
        }

        var rc = raw.sqlite3_prepare_v3(db, sql, raw.SQLITE_PREPARE_PERSISTENT, out var stmt, out var tail);
        if (rc != raw.SQLITE_OK)
        {
            stmt?.Dispose();
            throw SqliteException.FromConnection(db, rc, sql);
        }

        if (stmt is null || stmt.IsInvalid)
        {
            throw new ArgumentException($"The SQL text holds no statement: '{sql}'.", nameof(sql));
        }

        if (!string.IsNullOrWhiteSpace(tail) && !IsOnlyComments(tail))
        {
            stmt.Dispose();
            throw new ArgumentException($"Prepare accepts exactly one statement; use ExecuteScript for several. SQL: {sql}", nameof(sql));
        }

        var statement = new SqliteStatement(this, stmt, sql);
        statement.Lease();
        return statement;
    }

    /// <summary>Runs one statement with no parameters and returns the rows it changed.</summary>
    public int Execute(string sql)
    {
        using var statement = Prepare(sql);
        return statement.Execute();
    }

    /// <summary>Runs a script of statements with no parameters (schema changes, pragmas). Not cached.</summary>
    public void ExecuteScript(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var rc = raw.sqlite3_exec(Handle, sql, out var error);
        if (rc != raw.SQLITE_OK)
        {
            throw SqliteException.Create(raw.sqlite3_extended_errcode(_db), error, sql);
        }
    }

    /// <summary>
    /// Begins a transaction, or a savepoint nested in the open one. Dispose without <see cref="SqliteTransaction.Commit"/>
    /// rolls back. Transactions must complete innermost first. <paramref name="behavior"/> applies to outermost
    /// transactions only.
    /// </summary>
    public SqliteTransaction BeginTransaction(SqliteTransactionBehavior behavior = SqliteTransactionBehavior.Deferred)
    {
        var db = Handle;
        SqliteTransaction transaction;
        if (raw.sqlite3_get_autocommit(db) != 0)
        {
            if (_transactions.Count > 0)
            {
                // SQLite rolled back on its own (e.g. after an I/O error); the wrappers still open are void.
                foreach (var stale in _transactions)
                {
                    stale.MarkAbandoned();
                }

                _transactions.Clear();
            }

            Execute(behavior switch
            {
                SqliteTransactionBehavior.Deferred => "BEGIN DEFERRED",
                SqliteTransactionBehavior.Immediate => "BEGIN IMMEDIATE",
                SqliteTransactionBehavior.Exclusive => "BEGIN EXCLUSIVE",
                _ => throw new ArgumentOutOfRangeException(nameof(behavior), behavior, "Unknown transaction behavior."),
            });
            transaction = new SqliteTransaction(this, savepointName: null);
        }
        else
        {
            var name = "sp" + _transactions.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Execute("SAVEPOINT " + name);
            transaction = new SqliteTransaction(this, name);
        }

        _transactions.Add(transaction);
        return transaction;
    }

    internal void EndTransaction(SqliteTransaction transaction, bool commit)
    {
        if (_transactions.Count == 0 || !ReferenceEquals(_transactions[^1], transaction))
        {
            throw new InvalidOperationException("Transactions must be committed or rolled back innermost first.");
        }

        _transactions.RemoveAt(_transactions.Count - 1);
        if (transaction.SavepointName is { } name)
        {
            if (!IsInTransaction)
            {
                // SQLite already rolled the whole transaction back (e.g. after an I/O error): nothing is left to undo.
                if (commit)
                {
                    throw new InvalidOperationException("SQLite rolled the enclosing transaction back; the savepoint cannot be committed.");
                }

                return;
            }

            if (!commit)
            {
                Execute("ROLLBACK TO " + name);
            }

            Execute("RELEASE " + name);
        }
        else if (commit)
        {
            Execute("COMMIT");
        }
        else if (IsInTransaction)
        {
            Execute("ROLLBACK");
        }
    }

    internal void Return(SqliteStatement statement)
    {
        if (_disposed)
        {
            statement.FinalizeHandle();
            return;
        }

        statement.ResetForReuse();
        if (_statementCache.Count < _statementCacheCapacity && _statementCache.TryAdd(statement.Sql, statement))
        {
            return;
        }

        statement.FinalizeHandle();
    }

    /// <summary>Finalizes cached statements and closes the connection. An open transaction is rolled back.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var statement in _statementCache.Values)
        {
            statement.FinalizeHandle();
        }

        _statementCache.Clear();
        _transactions.Clear();

        // close_v2 defers the close until statements still leased out are finalized.
        _db.Dispose();
    }

    private static bool IsOnlyComments(string tail)
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
