using System.Text;
using System.Text.RegularExpressions;

namespace AgentRag.Ingestion.Extraction.Pdf;

/// <summary>
/// Places outline bookmarks in the extracted page text. A bookmark knows only its page, so its title is searched
/// on that page (ignoring case, whitespace runs, typographic quotes/dashes and ligatures), after the previous heading
/// located on the same page so that siblings keep their order. A match that fills its line, possibly after a section
/// number ("2.1 "), is preferred; the heading then takes the line as its title, so "Vectors and assignment" becomes
/// "2.1 Vectors and assignment" as printed. A title that is not found is placed at the page start, or just after
/// the previous heading of the page.
/// </summary>
internal static partial class HeadingLocator
{
    public static IReadOnlyList<DocumentHeading> Locate(IReadOnlyList<OutlineEntry> outline, IReadOnlyList<ExtractedPage> pages)
    {
        var byNumber = pages.ToDictionary(p => p.Number);
        var normalizedPages = new Dictionary<int, NormalizedText>();
        var lastOffsetOnPage = new Dictionary<int, int>();
        var headings = new List<DocumentHeading>(outline.Count);
        foreach (var entry in outline)
        {
            if (!byNumber.TryGetValue(entry.Page, out var page))
            {
                continue;
            }

            var minOffset = lastOffsetOnPage.GetValueOrDefault(entry.Page);
            if (!normalizedPages.TryGetValue(entry.Page, out var normalized))
            {
                normalized = NormalizedText.Create(page.Text);
                normalizedPages[entry.Page] = normalized;
            }

            var heading = Find(entry, page.Text, normalized, minOffset) ?? new DocumentHeading(entry.Level, entry.Title, entry.Page, minOffset);
            lastOffsetOnPage[entry.Page] = heading.Offset;
            headings.Add(heading);
        }

        // Outline order is document order except for unusual bookmark trees; the chunker needs position order.
        return [.. headings.OrderBy(h => h.Page).ThenBy(h => h.Offset)];
    }

    private static DocumentHeading? Find(OutlineEntry entry, string text, NormalizedText page, int minOffset)
    {
        var title = NormalizedText.Create(entry.Title).Text.Trim();
        if (title.Length == 0)
        {
            return null;
        }

        DocumentHeading? lineStartMatch = null;
        DocumentHeading? anyMatch = null;
        for (var at = page.IndexAtOrAfter(minOffset); at <= page.Text.Length - title.Length;)
        {
            var match = page.Text.IndexOf(title, at, StringComparison.Ordinal);
            if (match < 0)
            {
                break;
            }

            var start = page.Map[match];
            var end = page.Map[match + title.Length - 1] + 1;
            var lineStart = text.LastIndexOf('\n', Math.Max(0, start - 1)) + 1;
            if (start == 0)
            {
                lineStart = 0;
            }

            var lineEnd = text.IndexOf('\n', end);
            lineEnd = lineEnd < 0 ? text.Length : lineEnd;
            var prefix = text[lineStart..start].Trim();
            var suffix = text[end..lineEnd].Trim();
            var atLineStart = prefix.Length == 0 || SectionNumber().IsMatch(prefix);
            if (atLineStart && suffix.Length == 0)
            {
                return new DocumentHeading(entry.Level, CollapseWhitespace(text[lineStart..lineEnd]), entry.Page, lineStart);
            }

            if (atLineStart)
            {
                lineStartMatch ??= new DocumentHeading(entry.Level, CollapseWhitespace(prefix + " " + entry.Title), entry.Page, lineStart);
            }

            anyMatch ??= new DocumentHeading(entry.Level, entry.Title, entry.Page, start);
            at = match + 1;
        }

        return lineStartMatch ?? anyMatch;
    }

    private static string CollapseWhitespace(string value) =>
        string.Join(' ', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>"5", "5.1", "A.2.", "IV", "Chapter 3", "Appendix B".</summary>
    [GeneratedRegex(@"^(?:(?:chapter|section|appendix|part)\s+)?(?:\d+|[A-Z]|[IVXLC]+)(?:\.\d+)*\.?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SectionNumber();

    /// <summary>Text folded for matching, with <see cref="Map"/> from each folded character to its source index.</summary>
    private sealed class NormalizedText
    {
        private NormalizedText(string text, int[] map)
        {
            Text = text;
            Map = map;
        }

        public string Text { get; }

        public int[] Map { get; }

        public static NormalizedText Create(string source)
        {
            var text = new StringBuilder(source.Length);
            var map = new List<int>(source.Length);
            var pendingSpace = false;
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                if (char.IsWhiteSpace(c))
                {
                    pendingSpace = text.Length > 0;
                    continue;
                }

                if (pendingSpace)
                {
                    text.Append(' ');
                    map.Add(i - 1);
                    pendingSpace = false;
                }

                foreach (var folded in Fold(c))
                {
                    text.Append(folded);
                    map.Add(i);
                }
            }

            return new NormalizedText(text.ToString(), [.. map]);
        }

        /// <summary>The first folded index whose source index is at or after <paramref name="sourceOffset"/>.</summary>
        public int IndexAtOrAfter(int sourceOffset)
        {
            var index = Array.BinarySearch(Map, sourceOffset);
            if (index < 0)
            {
                return ~index;
            }

            while (index > 0 && Map[index - 1] == sourceOffset)
            {
                index--;
            }

            return index;
        }

        private static string Fold(char c) => c switch
        {
            '\u2018' or '\u2019' or '\u201B' or '`' => "'",
            '\u201C' or '\u201D' or '\u201F' => "\"",
            '\u2010' or '\u2011' or '\u2012' or '\u2013' or '\u2014' or '\u2212' => "-",
            '\uFB00' => "ff",
            '\uFB01' => "fi",
            '\uFB02' => "fl",
            '\uFB03' => "ffi",
            '\uFB04' => "ffl",
            _ => char.ToLowerInvariant(c).ToString(),
        };
    }
}
