namespace AgentRag.Storage.Sqlite;

/// <summary>
/// The SQLite result codes callers commonly branch on, as found in Microsoft.Data.Sqlite's
/// <c>SqliteException.SqliteErrorCode</c> (primary) and <c>SqliteExtendedErrorCode</c> (extended).
/// </summary>
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
