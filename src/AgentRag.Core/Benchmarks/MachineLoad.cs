using System.Globalization;

namespace AgentRag.Core.Benchmarks;

/// <summary>How busy the machine is, so a benchmark figure can be read against it.</summary>
public static class MachineLoad
{
    /// <summary>The 1-minute load average (Linux <c>/proc/loadavg</c>); null where it cannot be read.</summary>
    public static double? OneMinuteAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
