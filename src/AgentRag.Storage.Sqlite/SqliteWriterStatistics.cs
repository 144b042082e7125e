namespace AgentRag.Storage.Sqlite;

/// <summary>A snapshot of the writer queue's counters since the database opened.</summary>
/// <param name="Commits">Transactions the writer committed (one per group).</param>
/// <param name="ItemsCommitted">Write items whose work was committed.</param>
/// <param name="ItemsFailed">Write items that threw (their own work rolled back) or whose group failed to commit.</param>
/// <param name="LargestBatch">The most items one commit carried.</param>
public sealed record SqliteWriterStatistics(long Commits, long ItemsCommitted, long ItemsFailed, int LargestBatch);
