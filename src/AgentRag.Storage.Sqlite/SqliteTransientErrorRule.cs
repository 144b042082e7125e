using AgentRag.Core.Storage;

namespace AgentRag.Storage.Sqlite;

/// <summary>SQLite's transient failures: <c>SQLITE_BUSY</c> and <c>SQLITE_LOCKED</c> (another connection holds the lock).</summary>
public sealed class SqliteTransientErrorRule : ITransientStoreErrorRule
{
    public bool IsTransient(Exception exception) =>
        exception is SqliteException { ResultCode: SqliteResultCodes.Busy or SqliteResultCodes.Locked };
}
