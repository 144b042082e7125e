using AgentRag.Core.Storage;
using Npgsql;

namespace AgentRag.Storage.Postgres;

/// <summary>
/// PostgreSQL's transient failures, as Npgsql reports them: what it marks transient itself (a dropped or refused
/// connection, a timeout) and the server's retryable states (serialization failure, deadlock, lock not available,
/// too many connections, the server shutting down or starting).
/// </summary>
public sealed class PostgresTransientErrorRule : ITransientStoreErrorRule
{
    public bool IsTransient(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected
            or PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown,
        NpgsqlException npgsql => npgsql.IsTransient,
        _ => false,
    };
}
