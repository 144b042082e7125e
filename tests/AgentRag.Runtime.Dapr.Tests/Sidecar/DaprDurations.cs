using System.Globalization;
using System.Xml;

namespace AgentRag.Runtime.Dapr.Tests.Sidecar;

/// <summary>
/// The duration formats of Dapr's reminder API (docs.dapr.io, "Actors timers and reminders"): Go's time.Duration
/// (<c>2h30m</c>, <c>500ms</c>; the .NET SDK writes <c>0h0m30s0ms</c>), ISO 8601 (<c>PT2H30M</c>) and, for periods,
/// ISO 8601 with repetitions (<c>R5/PT1M30S</c>). Empty means none.
/// </summary>
public static class DaprDurations
{
    /// <summary>The duration and the repetitions (null: unlimited); throws <see cref="FormatException"/> naming the text.</summary>
    public static (TimeSpan Value, int? Repetitions) Parse(string text)
    {
        if (text.StartsWith('R'))
        {
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            if (slash < 2 || !int.TryParse(text.AsSpan(1, slash - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var repetitions))
            {
                throw new FormatException($"'{text}' is not a Dapr period.");
            }

            return (Parse(text[(slash + 1)..]).Value, repetitions);
        }

        if (text.StartsWith('P'))
        {
            return (XmlConvert.ToTimeSpan(text), null);
        }

        return (ParseGo(text), null);
    }

    /// <summary>Go's time.Duration text: numbers each followed by a unit (h, m, s, ms, us, µs, ns).</summary>
    public static TimeSpan ParseGo(string text)
    {
        var total = TimeSpan.Zero;
        var i = 0;
        if (text.Length == 0 || text == "0")
        {
            return total;
        }

        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            var unitStart = i;
            while (i < text.Length && !char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (start == unitStart || unitStart == i)
            {
                throw new FormatException($"'{text}' is not a Go duration.");
            }

            var value = double.Parse(text.AsSpan(start, unitStart - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            total += text[unitStart..i] switch
            {
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "s" => TimeSpan.FromSeconds(value),
                "ms" => TimeSpan.FromMilliseconds(value),
                "us" or "µs" => TimeSpan.FromMicroseconds(value),
                "ns" => TimeSpan.FromTicks((long)(value / 100)),
                var unit => throw new FormatException($"'{text}' has the unknown unit '{unit}'."),
            };
        }

        return total;
    }

    /// <summary>The duration text Dapr's runtime writes (<c>{hours}h{minutes}m{seconds}s{milliseconds}ms</c>), which the .NET SDK parses.</summary>
    public static string Format(TimeSpan value) =>
        string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalHours}h{value.Minutes}m{value.Seconds}s{value.Milliseconds}ms");
}
