using AgentRag.Core.Storage;
using Microsoft.Data.Sqlite;

namespace AgentRag.Storage.Sqlite;

/// <summary>SQLite's transient failures, as Microsoft.Data.Sqlite reports them: <c>SQLITE_BUSY</c> and <c>SQLITE_LOCKED</c> (another connection holds the lock).</summary>
public sealed class SqliteTransientErrorRule : ITransientStoreErrorRule
{
    public bool IsTransient(Exception exception) =>
        exception is SqliteException sqlite && (sqlite.SqliteErrorCode & 0xFF) is SqliteResultCodes.Busy or SqliteResultCodes.Locked;
}
