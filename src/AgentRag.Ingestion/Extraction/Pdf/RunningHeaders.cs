using System.Text;

namespace AgentRag.Ingestion.Extraction.Pdf;

/// <summary>
/// Finds and removes a PDF's running headers and footers: the lines a page repeats at its top or bottom, such as
/// "Chapter 6: Computing on the language" over a page number, "gnuplot 5.4", or a bare page number. They are not the
/// text of the page, and indexed they make every page of a chapter match the chapter's title.
/// <para>
/// A line is compared by its <em>shape</em>: trimmed, spaces collapsed, lower case, every run of digits (and a bare
/// lower-case roman numeral of front matter) as <c>#</c>, so "Chapter 3: Objects 15" and "Chapter 3: Objects 16" are one shape. The top band of a
/// page is its first <see cref="BandLines"/> non-blank lines, the bottom band its last. A shape found in the same band on
/// at least <see cref="MinimumPages"/> pages is running, unless it has neither a letter nor a number (a closing brace of
/// code is content). Only band lines are ever removed, so a repeated line deeper in the page (a code line, a table row) is
/// never taken. Documents of fewer than
/// <see cref="MinimumDocumentPages"/> pages are left alone. Only whole lines go; the rest of each page is unchanged, so
/// the page a text is on stays the page it is cited with.
/// </para>
/// Deterministic and thread-safe (stateless).
/// </summary>
public static class RunningHeaders
{
    /// <summary>How many non-blank lines at the top (and at the bottom) of a page may be running ones.</summary>
    public const int BandLines = 2;

    /// <summary>The fewest pages a line's shape must repeat on, in the same band, to be running.</summary>
    public const int MinimumPages = 3;

    /// <summary>The fewest pages a document needs before anything is removed.</summary>
    public const int MinimumDocumentPages = 4;

    /// <summary>
    /// The page texts without their running lines (same count and order; a page that was only running lines becomes "").
    /// <paramref name="removed"/> counts the lines removed.
    /// </summary>
    public static string[] Remove(IReadOnlyList<string> pages, out int removed)
    {
        ArgumentNullException.ThrowIfNull(pages);
        removed = 0;
        var result = pages.ToArray();
        if (pages.Count < MinimumDocumentPages)
        {
            return result;
        }

        var lines = pages.Select(p => p.Split('\n')).ToArray();
        var top = CountShapes(lines, fromTop: true);
        var bottom = CountShapes(lines, fromTop: false);
        for (var i = 0; i < lines.Length; i++)
        {
            var drop = new HashSet<int>();
            Peel(lines[i], top, fromTop: true, drop);
            Peel(lines[i], bottom, fromTop: false, drop);
            if (drop.Count > 0)
            {
                removed += drop.Count;
                result[i] = string.Join('\n', lines[i].Where((_, index) => !drop.Contains(index))).Trim('\n');
            }
        }

        return result;
    }

    /// <summary>The shape of a line (see the class remarks); "" for a blank line.</summary>
    public static string Shape(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var trimmed = line.Trim();
        if (IsRomanNumeral(trimmed))
        {
            return "#";
        }

        var shape = new StringBuilder(trimmed.Length);
        var previous = '\0';
        foreach (var c in trimmed)
        {
            var next = char.IsDigit(c) ? '#' : char.IsWhiteSpace(c) ? ' ' : char.ToLowerInvariant(c);
            if ((next == '#' || next == ' ') && next == previous)
            {
                continue;
            }

            shape.Append(next);
            previous = next;
        }

        return shape.ToString();
    }

    /// <summary>On how many pages each shape is among the band's lines (once per page).</summary>
    private static Dictionary<string, int> CountShapes(string[][] pages, bool fromTop)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var lines in pages)
        {
            foreach (var shape in Band(lines, fromTop).Select(index => Shape(lines[index])).Distinct(StringComparer.Ordinal))
            {
                counts[shape] = counts.GetValueOrDefault(shape) + 1;
            }
        }

        return counts;
    }

    private static void Peel(string[] lines, Dictionary<string, int> counts, bool fromTop, HashSet<int> drop)
    {
        foreach (var index in Band(lines, fromTop))
        {
            var shape = Shape(lines[index]);
            if (counts.GetValueOrDefault(shape) >= MinimumPages && shape.Any(c => c == '#' || char.IsLetter(c)))
            {
                drop.Add(index);
            }
        }
    }

    /// <summary>The indexes of the band's non-blank lines, from the page's edge inwards.</summary>
    private static IEnumerable<int> Band(string[] lines, bool fromTop)
    {
        var found = 0;
        for (var k = 0; k < lines.Length && found < BandLines; k++)
        {
            var index = fromTop ? k : lines.Length - 1 - k;
            if (!string.IsNullOrWhiteSpace(lines[index]))
            {
                found++;
                yield return index;
            }
        }
    }

    private static bool IsRomanNumeral(string text) =>
        text.Length is > 0 and <= 6 && text.All(c => c is 'i' or 'v' or 'x');
}
