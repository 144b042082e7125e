using Microsoft.Data.Sqlite;
using SQLitePCL;
using AdoConnection = Microsoft.Data.Sqlite.SqliteConnection;

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

    /// <summary>
    /// Prepare statements as raw SQLitePCLRaw statements on the connection's handle, reused with bind/step/reset,
    /// instead of Microsoft.Data.Sqlite commands. For the group-commit writer's hot loop (ADR 0025): its
    /// transactions, savepoints and the stores' statements inside a group. Scripts always run as commands.
    /// </summary>
    public bool RawStatements { get; init; }
}

/// <summary>
/// One connection to a SQLite database: a Microsoft.Data.Sqlite connection (unpooled, so disposing closes the file)
/// with the stores' conventions on top. Opened in WAL mode with <c>synchronous=NORMAL</c>, foreign keys on and a
/// busy timeout; keeps its prepared statements for reuse (Microsoft.Data.Sqlite commands, or raw SQLitePCLRaw
/// statements with <see cref="SqliteConnectionOptions.RawStatements"/>) and nests transactions as savepoints. Errors are
/// Microsoft.Data.Sqlite's <see cref="SqliteException"/>. Not thread-safe: use a connection from one thread at a
/// time (<see cref="SqliteDatabase"/> hands out connections that way).
/// </summary>
public sealed class SqliteConnection : IDisposable
{
    private readonly AdoConnection _connection;
    private readonly Dictionary<string, SqliteStatement> _statementCache = new(StringComparer.Ordinal);
    private readonly List<SqliteTransaction> _transactions = [];
    private readonly int _statementCacheCapacity;
    private readonly bool _rawStatements;
    private bool _disposed;

    private SqliteConnection(AdoConnection connection, string path, SqliteConnectionOptions options)
    {
        _connection = connection;
        FilePath = path;
        Mode = options.Mode;
        _statementCacheCapacity = options.StatementCacheCapacity;
        _rawStatements = options.RawStatements;
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

    /// <summary>The Microsoft.Data.Sqlite connection underneath.</summary>
    internal AdoConnection Connection
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _connection;
        }
    }

    /// <summary>The native handle of the open connection, for SQLitePCLRaw calls Microsoft.Data.Sqlite does not wrap.</summary>
    internal sqlite3 Handle => Connection.Handle!;

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

        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = options.Mode switch
            {
                SqliteOpenMode.ReadWriteCreate => Microsoft.Data.Sqlite.SqliteOpenMode.ReadWriteCreate,
                SqliteOpenMode.ReadWrite => Microsoft.Data.Sqlite.SqliteOpenMode.ReadWrite,
                SqliteOpenMode.ReadOnly => Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly,
                _ => throw new ArgumentOutOfRangeException(nameof(options), options.Mode, "Unknown open mode."),
            },
            Cache = SqliteCacheMode.Private,

            // SqliteDatabase pools its own connections; an unpooled connection closes its file when disposed.
            Pooling = false,
            // Microsoft.Data.Sqlite retries a busy statement until this many seconds have passed, and reads 0 as
            // "forever": the native busy timeout below does the waiting, and a zero timeout retries for one second.
            DefaultTimeout = (int)Math.Clamp(Math.Ceiling(options.BusyTimeout.TotalSeconds), 1, int.MaxValue),
        }.ToString();

        var adoConnection = new AdoConnection(connectionString);
        try
        {
            adoConnection.Open();
        }
        catch (SqliteException ex)
        {
            adoConnection.Dispose();
            throw new SqliteException($"Cannot open database file '{path}' ({options.Mode}): {ex.Message}", ex.SqliteErrorCode, ex.SqliteExtendedErrorCode);
        }

        var connection = new SqliteConnection(adoConnection, path, options);
        try
        {
            raw.sqlite3_busy_timeout(adoConnection.Handle, (int)Math.Min(int.MaxValue, options.BusyTimeout.TotalMilliseconds));
            if (options.Mode != SqliteOpenMode.ReadOnly)
            {
                // Incremental vacuum takes effect only when set before the first table exists (and before the WAL
                // switch writes the header), so a new database gets it here; on an existing one it changes nothing until
                // a VACUUM, which migration 13 runs once to convert older databases.
                connection.ExecuteScript("PRAGMA auto_vacuum=INCREMENTAL;");

                // The journal mode is persistent in the file, so read-only connections inherit it.
                connection.ExecuteScript("PRAGMA journal_mode=WAL;");
            }

            connection.ExecuteScript("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
            return connection;
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new SqliteException($"Cannot use database file '{path}': {ex.Message}", ex.SqliteErrorCode, ex.SqliteExtendedErrorCode);
        }
    }

    /// <summary>
    /// Returns a prepared statement, with no bindings. Statements are cached per connection: dispose the statement
    /// to return it. Throws <see cref="SqliteException"/> for invalid SQL.
    /// </summary>
    public SqliteStatement Prepare(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var connection = Connection;
        if (_statementCache.Remove(sql, out var cached))
        {
            cached.Lease();
            return cached;
        }

        if (_rawStatements)
        {
            var rawStatement = new SqliteStatement(this, SqliteRawStatement.Prepare(connection.Handle!, sql), sql);
            rawStatement.Lease();
            return rawStatement;
        }

        var command = connection.CreateCommand();
        command.CommandText = sql;
        try
        {
            command.Prepare();
        }
        catch
        {
            command.Dispose();
            throw;
        }

        var statement = new SqliteStatement(this, command);
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
        using var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
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
            statement.DisposeStatement();
            return;
        }

        statement.ResetForReuse();
        if (_statementCache.Count < _statementCacheCapacity && _statementCache.TryAdd(statement.Sql, statement))
        {
            return;
        }

        statement.DisposeStatement();
    }

    /// <summary>Disposes cached statements and closes the connection. An open transaction is rolled back.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var statement in _statementCache.Values)
        {
            statement.DisposeStatement();
        }

        _statementCache.Clear();
        _transactions.Clear();
        _connection.Dispose();
    }
}
