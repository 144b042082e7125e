using System.Xml;

namespace AgentRag.Ingestion.Extraction.Pdf;

/// <summary>One bookmark of a PDF outline: its depth (1 = top level), title and physical page.</summary>
internal sealed record OutlineEntry(int Level, string Title, int Page);

/// <summary>
/// Reads the outline that <c>pdftohtml -xml -i -stdout -f 1 -l 1</c> appends after the first page:
/// <c>&lt;outline&gt;&lt;item page="N"&gt;Title&lt;/item&gt;&lt;outline&gt;…children…&lt;/outline&gt;&lt;/outline&gt;</c>,
/// where a nested outline holds the children of the item before it.
/// </summary>
internal static class PdfOutline
{
    /// <summary>
    /// The entries in document order; bookmarks without a resolvable page are skipped. Empty when there is no outline.
    /// <paramref name="problem"/> describes a malformed outline, of which the entries before the fault are returned.
    /// </summary>
    public static IReadOnlyList<OutlineEntry> Parse(string pdfToHtmlXml, out string? problem)
    {
        problem = null;
        var start = pdfToHtmlXml.IndexOf("<outline>", StringComparison.Ordinal);
        var end = pdfToHtmlXml.LastIndexOf("</outline>", StringComparison.Ordinal);
        if (start < 0 || end < start)
        {
            return [];
        }

        var fragment = pdfToHtmlXml[start..(end + "</outline>".Length)];
        var entries = new List<OutlineEntry>();
        var settings = new XmlReaderSettings
        {
            ConformanceLevel = ConformanceLevel.Fragment,
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            CheckCharacters = false,
            IgnoreWhitespace = true,
        };
        using var reader = XmlReader.Create(new StringReader(fragment), settings);
        var depth = 0;
        try
        {
            reader.Read();
            while (!reader.EOF)
            {
                if (reader.NodeType == XmlNodeType.Element && reader.Name == "item")
                {
                    var pageAttribute = reader.GetAttribute("page");
                    string title;
                    if (reader.IsEmptyElement)
                    {
                        title = "";
                        reader.Read();
                    }
                    else
                    {
                        title = reader.ReadElementContentAsString(); // leaves the reader after </item>
                    }

                    title = string.Join(' ', title.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
                    if (int.TryParse(pageAttribute, System.Globalization.CultureInfo.InvariantCulture, out var page) && page > 0 && title.Length > 0)
                    {
                        entries.Add(new OutlineEntry(Math.Max(1, depth), title, page));
                    }

                    continue;
                }

                if (reader.NodeType == XmlNodeType.Element && reader.Name == "outline" && !reader.IsEmptyElement)
                {
                    depth++;
                }
                else if (reader.NodeType == XmlNodeType.EndElement && reader.Name == "outline")
                {
                    depth--;
                }

                reader.Read();
            }
        }
        catch (XmlException ex)
        {
            problem = $"The PDF outline is malformed ({ex.Message}); {entries.Count} bookmarks were read before the fault.";
        }

        return entries;
    }
}
