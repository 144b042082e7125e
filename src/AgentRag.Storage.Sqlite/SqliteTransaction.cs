namespace AgentRag.Storage.Sqlite;

/// <summary>How an outermost transaction takes its locks (SQLite's BEGIN DEFERRED / IMMEDIATE / EXCLUSIVE).</summary>
public enum SqliteTransactionBehavior
{
    Deferred,
    Immediate,
    Exclusive,
}

/// <summary>
/// A transaction or, when nested, a savepoint. <see cref="Commit"/> makes its work durable (or releases the
/// savepoint into the enclosing transaction); disposing without committing rolls back. Not thread-safe.
/// </summary>
public sealed class SqliteTransaction : IDisposable
{
    private readonly SqliteConnection _connection;
    private bool _completed;

    internal SqliteTransaction(SqliteConnection connection, string? savepointName)
    {
        _connection = connection;
        SavepointName = savepointName;
    }

    /// <summary>True when this is a savepoint inside an enclosing transaction.</summary>
    public bool IsNested => SavepointName is not null;

    internal string? SavepointName { get; }

    /// <summary>Commits. Throws <see cref="InvalidOperationException"/> when already completed or not innermost.</summary>
    public void Commit() => Complete(commit: true);

    /// <summary>Rolls back. Throws <see cref="InvalidOperationException"/> when already completed or not innermost.</summary>
    public void Rollback() => Complete(commit: false);

    public void Dispose()
    {
        if (!_completed)
        {
            Complete(commit: false);
        }
    }

    internal void MarkAbandoned() => _completed = true;

    private void Complete(bool commit)
    {
        if (_completed)
        {
            throw new InvalidOperationException("The transaction has already been committed or rolled back.");
        }

        _completed = true;
        _connection.EndTransaction(this, commit);
    }
}
