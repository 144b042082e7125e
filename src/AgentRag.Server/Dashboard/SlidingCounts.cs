namespace AgentRag.Server.Dashboard;

/// <summary>
/// Counts by key in fixed time buckets over a ring of <c>buckets</c> slots: adding and summing cost O(keys × buckets) at
/// most, and memory stays bounded however long the process runs. Not thread-safe (the caller holds a lock).
/// </summary>
internal sealed class SlidingCounts
{
    private readonly long _bucketTicks;
    private readonly long[] _stamps;
    private readonly Dictionary<string, long[]> _counts = new(StringComparer.Ordinal);

    public SlidingCounts(TimeSpan bucket, int buckets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bucket, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        _bucketTicks = bucket.Ticks;
        _stamps = new long[buckets];
        Array.Fill(_stamps, long.MinValue);
    }

    /// <summary>Adds <paramref name="value"/> to <paramref name="key"/> in the bucket that holds <paramref name="at"/>.</summary>
    public void Add(DateTimeOffset at, string key, long value)
    {
        var number = at.UtcTicks / _bucketTicks;
        var slot = (int)(number % _stamps.Length);
        if (_stamps[slot] != number)
        {
            if (_stamps[slot] > number)
            {
                return; // older than the ring holds
            }

            _stamps[slot] = number;
            foreach (var counts in _counts.Values)
            {
                counts[slot] = 0;
            }
        }

        if (!_counts.TryGetValue(key, out var slots))
        {
            _counts[key] = slots = new long[_stamps.Length];
        }

        slots[slot] += value;
    }

    /// <summary>Each key's sum over the buckets of the last <paramref name="span"/> up to <paramref name="now"/> (its own bucket included); keys with 0 left out.</summary>
    public Dictionary<string, long> Sum(DateTimeOffset now, TimeSpan span)
    {
        var newest = now.UtcTicks / _bucketTicks;
        var count = Math.Min(_stamps.Length, Math.Max(1, (long)Math.Ceiling((double)span.Ticks / _bucketTicks)));
        var sums = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, slots) in _counts)
        {
            long sum = 0;
            for (var i = 0; i < _stamps.Length; i++)
            {
                if (_stamps[i] <= newest && _stamps[i] > newest - count)
                {
                    sum += slots[i];
                }
            }

            if (sum != 0)
            {
                sums[key] = sum;
            }
        }

        return sums;
    }
}
