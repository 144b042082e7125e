namespace AgentRag.Monitoring.Jobs;

/// <summary>The order statistics the monitoring jobs use. Pure functions; inputs are not modified.</summary>
public static class RobustStatistics
{
    /// <summary>The scale that makes a MAD estimate a standard deviation for normally distributed data.</summary>
    public const double MadScale = 1.4826;

    /// <summary>The median (the mean of the middle two for an even count). Throws <see cref="ArgumentException"/> for no values.</summary>
    public static double Median(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("The median of no values is undefined.", nameof(values));
        }

        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>The median absolute deviation from the median.</summary>
    public static double MedianAbsoluteDeviation(IReadOnlyCollection<double> values)
    {
        var median = Median(values);
        return Median(values.Select(v => Math.Abs(v - median)).ToArray());
    }

    /// <summary>The nearest-rank <paramref name="percentile"/> (0–100] of values sorted ascending: the smallest value with at least that share at or below it.</summary>
    public static double NearestRank(IReadOnlyList<double> sortedAscending, double percentile)
    {
        ArgumentNullException.ThrowIfNull(sortedAscending);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(percentile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        if (sortedAscending.Count == 0)
        {
            throw new ArgumentException("The percentile of no values is undefined.", nameof(sortedAscending));
        }

        var rank = (int)Math.Ceiling(percentile / 100 * sortedAscending.Count);
        return sortedAscending[Math.Clamp(rank, 1, sortedAscending.Count) - 1];
    }
}
