using System.Security.Cryptography;
using System.Text;
using AgentRag.Core.Coordination;
using Npgsql;

namespace AgentRag.Storage.Postgres.Coordination;

/// <summary>
/// <see cref="IDistributedLock"/> over PostgreSQL session advisory locks: a held lease is a connection of its own holding
/// <c>pg_advisory_lock</c> on a 64-bit key derived from the lease's name (the first 8 bytes of its SHA-256, so distinct
/// names practically never share a key). The lock is released on dispose, or by the server as soon as the holder's
/// connection ends, so a killed replica's leases pass to the others at once. Each lease has its own connection, so
/// leases are not re-entrant, as the port requires. Waiting happens in the server (<c>lock_timeout</c>). Thread-safe.
/// </summary>
public sealed class PostgresDistributedLock(PostgresDatabase database) : IDistributedLock
{
    public async ValueTask<ILease?> TryAcquireAsync(string name, CancellationToken cancellationToken = default)
    {
        LeaseNames.ThrowIfInvalid(name);
        var connection = await database.OpenAsync(cancellationToken);
        try
        {
            await using var command = connection.Command("SELECT pg_try_advisory_lock(@key)").With("key", Key(name));
            if (await command.ExecuteScalarAsync(cancellationToken) is true)
            {
                return new Lease(name, connection);
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        await connection.DisposeAsync();
        return null;
    }

    public async ValueTask<ILease> AcquireAsync(string name, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        LeaseNames.ThrowIfInvalid(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        if (await TryAcquireAsync(name, cancellationToken) is { } lease)
        {
            return lease;
        }

        if (timeout == TimeSpan.Zero)
        {
            throw Unavailable(name, timeout, null);
        }

        var connection = await database.OpenAsync(cancellationToken);
        try
        {
            // lock_timeout bounds the wait in the server; a cancellation cancels the statement.
            await using var command = connection.Command(
                $"SET lock_timeout = {Math.Max(1, (long)Math.Ceiling(timeout.TotalMilliseconds))}; SELECT pg_advisory_lock(@key); RESET lock_timeout")
                .With("key", Key(name));
            command.CommandTimeout = 0;
            await command.ExecuteNonQueryAsync(cancellationToken);
            return new Lease(name, connection);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            await connection.DisposeAsync();
            throw Unavailable(name, timeout, ex);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>The advisory lock key of a lease name.</summary>
    public static long Key(string name) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(name)), 0);

    private static LeaseUnavailableException Unavailable(string name, TimeSpan timeout, Exception? inner) =>
        new(name, $"The lease '{name}' is still held by another holder after {timeout.TotalSeconds:0.###} s.", inner);

    private sealed class Lease(string name, NpgsqlConnection connection) : ILease
    {
        private NpgsqlConnection? _connection = connection;

        public string Name { get; } = name;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _connection, null) is not { } held)
            {
                return;
            }

            try
            {
                using var unlock = held.Command("SELECT pg_advisory_unlock(@key)").With("key", Key(Name));
                unlock.ExecuteNonQuery();
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // The connection is gone: the server released the lock with it.
            }
            finally
            {
                held.Dispose();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _connection, null) is not { } held)
            {
                return;
            }

            try
            {
                await using var unlock = held.Command("SELECT pg_advisory_unlock(@key)").With("key", Key(Name));
                await unlock.ExecuteNonQueryAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // The connection is gone: the server released the lock with it.
            }
            finally
            {
                await held.DisposeAsync();
            }
        }
    }
}
