namespace AgentRag.Core.Monitoring;

/// <summary>Argument checks the <see cref="IMonitoringStore"/> adapters share.</summary>
public static class MonitoringStoreArguments
{
    /// <summary>Throws <see cref="ArgumentException"/> unless [<paramref name="from"/>, <paramref name="to"/>) is a non-empty run of whole rollup buckets.</summary>
    public static void ThrowIfNotBuckets(DateTimeOffset from, DateTimeOffset to)
    {
        var bucket = MonitoringWindows.RollupBucket.Ticks;
        if (from.UtcTicks % bucket != 0 || to.UtcTicks % bucket != 0 || to <= from)
        {
            throw new ArgumentException(
                $"A rollup range must start and end on {MonitoringWindows.RollupBucket.TotalMinutes}-minute bucket boundaries and not be empty; got [{from:O}, {to:O}).");
        }
    }
}
