using System.Globalization;
using AgentRag.WebConsole.Api;
using AgentRag.WebConsole.Components.Charts;

namespace AgentRag.WebConsole.State;

/// <summary>How the admin pages write figures: money, durations, bytes, and the chart points of a latency histogram.</summary>
public static class DashboardFormat
{
    public static string Usd(decimal usd) => usd.ToString(usd != 0 && Math.Abs(usd) < 0.01m ? "$0.00####" : "$#,0.00", CultureInfo.InvariantCulture);

    public static string Usd(decimal? usd) => usd is { } value ? Usd(value) : "—";

    public static string Ms(double? ms) => ms switch
    {
        null => "—",
        >= 1000 => (ms.Value / 1000).ToString("0.00", CultureInfo.InvariantCulture) + " s",
        _ => ms.Value.ToString("0", CultureInfo.InvariantCulture) + " ms",
    };

    public static string Rate(double perSecond) => perSecond.ToString("0.##", CultureInfo.InvariantCulture) + "/s";

    public static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };

    public static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A histogram's buckets as chart points labelled by their bounds ("≤ 250 ms", "> 60 s").</summary>
    public static IReadOnlyList<ChartPoint> Histogram(LatencyDistribution distribution)
    {
        ArgumentNullException.ThrowIfNull(distribution);
        var points = new List<ChartPoint>();
        double? previous = null;
        foreach (var bucket in distribution.Histogram)
        {
            var label = bucket.UpperBoundMs is { } bound ? "≤ " + Ms(bound) : "> " + Ms(previous);
            points.Add(new ChartPoint(label, bucket.Count, Count(bucket.Count) + (bucket.Count == 1 ? " query" : " queries")));
            previous = bucket.UpperBoundMs;
        }

        return points;
    }
}
