using System.Security.Cryptography;
using System.Text;
using AgentRag.Core.Coordination;

namespace AgentRag.Storage.Postgres.Coordination;

/// <summary>
/// <see cref="IRateLimitCounter"/> over the <c>rate_limit_counters</c> table: one row per key, counted by one
/// conditional upsert (row-locked by PostgreSQL), so concurrent requests on every replica never count past the limit.
/// Keys are stored as their SHA-256, never as given (a key may hold a client's IP address). Rows of windows that have
/// ended are deleted by the first count of each later window in this process. Thread-safe.
/// </summary>
public sealed class PostgresRateLimitCounter(PostgresDatabase database) : IRateLimitCounter
{
    private long _prunedBefore;

    public async ValueTask<bool> TryCountAsync(string key, DateTimeOffset windowEnd, int permits, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(permits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permits, limit);
        var end = windowEnd.UtcTicks;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using (var upsert = connection.Command("""
            INSERT INTO rate_limit_counters AS c (key, window_end, used) VALUES (@key, @end, @permits)
            ON CONFLICT (key) DO UPDATE SET
                window_end = greatest(c.window_end, excluded.window_end),
                used = CASE WHEN excluded.window_end > c.window_end THEN excluded.used ELSE c.used + excluded.used END
            WHERE excluded.window_end > c.window_end OR c.used + excluded.used <= @limit
            RETURNING used
            """).With("key", SHA256.HashData(Encoding.UTF8.GetBytes(key))).With("end", end).With("permits", permits).With("limit", limit))
        {
            var counted = await upsert.ExecuteScalarAsync(cancellationToken) is not null;
            // Rows of windows before the last one count nothing any more (a count in them would start afresh anyway, and the
            // last one is kept for a replica whose clock lags): this process deletes them once per window it sees.
            var pruned = Interlocked.Read(ref _prunedBefore);
            if (pruned < end && Interlocked.CompareExchange(ref _prunedBefore, end, pruned) == pruned && pruned != 0)
            {
                await using var prune = connection.Command("DELETE FROM rate_limit_counters WHERE window_end < @before").With("before", pruned);
                await prune.ExecuteNonQueryAsync(cancellationToken);
            }

            return counted;
        }
    }
}
