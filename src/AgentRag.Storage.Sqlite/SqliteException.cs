using SQLitePCL;

namespace AgentRag.Storage.Sqlite;

/// <summary>
/// A failed SQLite call: carries SQLite's result code, its message, and the SQL (or database file) involved.
/// </summary>
public sealed class SqliteException : Exception
{
    public SqliteException(string message, int extendedResultCode, string? sql, Exception? innerException = null)
        : base(message, innerException)
    {
        ExtendedResultCode = extendedResultCode;
        Sql = sql;
    }

    /// <summary>The primary result code, e.g. 19 for SQLITE_CONSTRAINT (see <see cref="SqliteResultCodes"/>).</summary>
    public int ResultCode => ExtendedResultCode & 0xFF;

    /// <summary>The extended result code, e.g. 2067 for SQLITE_CONSTRAINT_UNIQUE.</summary>
    public int ExtendedResultCode { get; }

    /// <summary>The statement that failed, or null when the failure was not tied to one statement.</summary>
    public string? Sql { get; }

    internal static SqliteException FromConnection(sqlite3 db, int resultCode, string? sql)
    {
        var extended = db is null || db.IsInvalid ? resultCode : raw.sqlite3_extended_errcode(db);
        if ((extended & 0xFF) != (resultCode & 0xFF))
        {
            // The connection's last error belongs to another call; the code we were handed is the truth.
            extended = resultCode;
        }

        var detail = db is null || db.IsInvalid ? null : raw.sqlite3_errmsg(db).utf8_to_string();
        return Create(extended, detail, sql);
    }

    internal static SqliteException Create(int extendedResultCode, string? detail, string? sql)
    {
        var name = raw.sqlite3_errstr(extendedResultCode).utf8_to_string();
        var message = $"SQLite error {extendedResultCode & 0xFF} ({name})";
        if (!string.IsNullOrEmpty(detail) && !string.Equals(detail, name, StringComparison.Ordinal))
        {
            message += $": {detail}";
        }

        if (sql is not null)
        {
            message += $" [SQL: {sql}]";
        }

        return new SqliteException(message, extendedResultCode, sql);
    }
}

/// <summary>The SQLite result codes callers commonly branch on.</summary>
public static class SqliteResultCodes
{
    public const int Error = 1;
    public const int Busy = 5;
    public const int Locked = 6;
    public const int ReadOnly = 8;
    public const int CantOpen = 14;
    public const int Constraint = 19;
    public const int ConstraintForeignKey = 787;
    public const int ConstraintPrimaryKey = 1555;
    public const int ConstraintUnique = 2067;
}
