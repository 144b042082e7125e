using System.Globalization;
using System.Text;
using AgentRag.Core.Documents;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace AgentRag.Ingestion.Extraction.Html;

/// <summary>
/// Extracts HTML with AngleSharp (the browser parsing algorithm, so broken markup parses as a browser would; the
/// encoding comes from the byte order mark or the &lt;meta charset&gt;, except for UTF-16 without a byte order mark,
/// which <see cref="TextEncodingDetector"/> recognizes). Page chrome and non-content is dropped:
/// script, style, template, nav, forms' controls, hidden elements, header/footer outside an article or section, and navigation
/// bars (DocBook's navheader/navfooter and similar classes, and link blocks of only "Prev", "Next", "Up", "Home" words).
/// h1–h6 become headings, lists keep their nesting and numbering, tables keep rows with the header identified
/// (thead, or leading rows of th cells), pre is kept as code. Stateless and thread-safe.
/// </summary>
public sealed class HtmlExtractor : IDocumentExtractor
{
    private static readonly HashSet<string> _dropped = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "nav", "iframe", "svg", "canvas", "object", "embed",
        "button", "select", "textarea", "input", "head", "map", "audio", "video",
    };

    private static readonly HashSet<string> _blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "hr", "html", "legend", "li", "main",
        "p", "section", "summary", "caption", "tr", "td", "th",
    };

    /// <summary>
    /// The deepest element nesting read. Parsing (the browser algorithm) and rendering take time quadratic in the depth,
    /// so a file nesting tens of thousands of elements would hold a worker for minutes; it is refused instead.
    /// </summary>
    public const int MaxNesting = 1_000;

    // Elements that never hold content, or whose end tag is optional (so an unclosed one does not deepen the tree).
    private static readonly HashSet<string> _notNesting = new(StringComparer.OrdinalIgnoreCase)
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
        "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot", "colgroup", "rb", "rt", "rp",
        "html", "head", "body",
    };

    // Elements whose content is raw text, where '<' does not start a tag.
    private static readonly HashSet<string> _rawText = new(StringComparer.OrdinalIgnoreCase) { "script", "style", "textarea", "title", "xmp" };

    public bool CanExtract(string contentType) => contentType == ContentTypes.Html;

    /// <summary>Extraction is in-process and cheap, so submission runs it in full: a file without text is refused at once.</summary>
    public Task ValidateAsync(DocumentSource source, CancellationToken cancellationToken = default) =>
        ExtractAsync(source, progress: null, cancellationToken);

    /// <inheritdoc />
    public async Task<ExtractedDocument> ExtractAsync(DocumentSource source, IProgress<ExtractionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        IHtmlDocument document;
        try
        {
            if (ExcessiveNesting(await File.ReadAllBytesAsync(source.Path, cancellationToken)) is { } offset)
            {
                throw new DocumentExtractionException(source.FileName, ExtractionFailure.Corrupt,
                    $"the HTML nests elements more than {MaxNesting:N0} deep (at byte {offset:N0}); no real page does.");
            }

            await using var stream = new FileStream(source.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
            var head = new byte[(int)Math.Min(stream.Length, 8192)];
            await stream.ReadExactlyAsync(head, cancellationToken);
            stream.Position = 0;

            // AngleSharp reads the encoding from a byte order mark or <meta charset>; UTF-16 without a byte order mark
            // has neither it can read (its meta, if any, names what the file was before), so its text is decoded here.
            document = TextEncodingDetector.DetectUtf16WithoutBom(head) is null
                ? await new HtmlParser().ParseDocumentAsync(stream, cancellationToken)
                : await new HtmlParser().ParseDocumentAsync(await TextEncodingDetector.ReadAllTextAsync(source.Path, source.FileName, cancellationToken), cancellationToken);
        }
        catch (IOException ex)
        {
            throw new DocumentExtractionException(source.FileName, ExtractionFailure.Io, $"reading the file failed: {ex.Message}", ex);
        }

        using (document)
        {
            var renderer = new Renderer();
            if (document.Body is { } body)
            {
                renderer.Walk(body);
            }

            renderer.Flush();
            if (!renderer.Builder.HasText)
            {
                throw new DocumentExtractionException(source.FileName, ExtractionFailure.NoText,
                    "the HTML has no text in its body (after removing scripts, styles, navigation and page chrome).");
            }

            progress?.Report(new ExtractionProgress(1, 1, "Extracted HTML"));
            return renderer.Builder.Build(ContentTypes.Html, ReadMetadata(document), []);
        }
    }

    private static DocumentMetadata ReadMetadata(IHtmlDocument document)
    {
        string? Meta(params string[] names) => names
            .Select(name => document.Head?.QuerySelector($"meta[name='{name}' i], meta[property='{name}' i]")?.GetAttribute("content"))
            .FirstOrDefault(value => !string.IsNullOrWhiteSpace(value))?.Trim();

        var created = Meta("dcterms.created", "DC.date.created", "DC.date", "date", "article:published_time");
        var language = document.DocumentElement.GetAttribute("lang") ?? Meta("language", "DC.language");
        return new DocumentMetadata
        {
            Title = string.IsNullOrWhiteSpace(document.Title) ? null : StructuredTextBuilder.CollapseWhitespace(document.Title),
            Author = Meta("author", "DC.creator"),
            CreatedAt = DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) ? date : null,
            Language = string.IsNullOrWhiteSpace(language) ? null : language.Trim(),
        };
    }

    private static bool IsDropped(IElement element) =>
        _dropped.Contains(element.LocalName)
        || element.HasAttribute("hidden")
        || string.Equals(element.GetAttribute("aria-hidden"), "true", StringComparison.OrdinalIgnoreCase)
        || element.GetAttribute("role") is "navigation" or "banner" or "contentinfo" or "search"
        || (element.LocalName is "header" or "footer" && element.Closest("article, section, main") is null)
        || HasNavigationClass(element)
        || IsNavigationBlock(element);

    /// <summary>
    /// Class names of navigation and page-chrome blocks in generated documentation: DocBook's navheader/navfooter,
    /// Sphinx's related bars, breadcrumbs, skip links.
    /// </summary>
    private static readonly string[] _navigationClasses =
        ["navheader", "navfooter", "breadcrumb", "breadcrumbs", "related", "skip-link", "skiplink", "navbar", "nav-links", "pagination"];

    /// <summary>The words of a navigation bar: a block made only of these (and links) is chrome, such as "| Prev | Up | Next |".</summary>
    private static readonly HashSet<string> _navigationWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "prev", "previous", "next", "up", "home", "top", "contents", "toc", "index", "back", "forward", "table", "of",
    };

    private static bool HasNavigationClass(IElement element) =>
        element.ClassList.Length > 0 && element.ClassList.Any(c => _navigationClasses.Contains(c, StringComparer.OrdinalIgnoreCase));

    /// <summary>
    /// A table, row, paragraph or div whose every word is a navigation word and that holds a link: the "Prev / Next"
    /// bars of exported manuals that carry no class.
    /// </summary>
    private static bool IsNavigationBlock(IElement element)
    {
        if (element.LocalName is not ("table" or "tr" or "p" or "div") || element.QuerySelector("a[href]") is null)
        {
            return false;
        }

        var words = (element.TextContent ?? "").Split([' ', '\n', '\t', '\r', '|', '\u00a0', '«', '»', '<', '>', '[', ']', '·'], StringSplitOptions.RemoveEmptyEntries);
        return words.Length > 0 && words.Length <= 12 && words.All(_navigationWords.Contains);
    }

    private static int? HeadingLevel(IElement element) =>
        element.LocalName is ['h', var digit] && digit is >= '1' and <= '6' ? digit - '0' : null;

    /// <summary>Walks the DOM in document order, gathering inline text into paragraphs between block boundaries.</summary>
    /// <summary>
    /// Scans the markup's tags (ASCII-compatible encodings; UTF-16 passes unchecked) and returns the byte offset where
    /// open elements first exceed <see cref="MaxNesting"/>, or null. Comments, doctypes and raw-text content are skipped;
    /// void elements, self-closing tags and elements with optional end tags do not count.
    /// </summary>
    internal static long? ExcessiveNesting(ReadOnlySpan<byte> html)
    {
        var depth = 0;
        var i = 0;
        while ((i = NextTag(html, i)) >= 0)
        {
            var start = i;
            if (html[i + 1] == (byte)'!')
            {
                var comment = html[i..].StartsWith("<!--"u8);
                var end = comment ? html[(i + 4)..].IndexOf("-->"u8) : html[i..].IndexOf((byte)'>');
                i = end < 0 ? html.Length : i + end + (comment ? 7 : 1);
                continue;
            }

            var closing = html[i + 1] == (byte)'/';
            var nameStart = i + (closing ? 2 : 1);
            var nameEnd = nameStart;
            while (nameEnd < html.Length && char.IsAsciiLetterOrDigit((char)html[nameEnd]))
            {
                nameEnd++;
            }

            var close = html[nameEnd..].IndexOf((byte)'>');
            i = close < 0 ? html.Length : nameEnd + close + 1;
            var name = Encoding.ASCII.GetString(html[nameStart..nameEnd]);
            if (closing)
            {
                depth = _notNesting.Contains(name) ? depth : Math.Max(0, depth - 1);
                continue;
            }

            if (_rawText.Contains(name))
            {
                var end = IndexOfIgnoreCase(html, i, "</" + name);
                i = end < 0 ? html.Length : end;
                continue;
            }

            if (!_notNesting.Contains(name) && !(close > 0 && html[nameEnd + close - 1] == (byte)'/') && ++depth > MaxNesting)
            {
                return start;
            }
        }

        return null;
    }

    /// <summary>The index of the next '&lt;' that starts a tag, comment or end tag at or after <paramref name="from"/>; -1 if none.</summary>
    private static int NextTag(ReadOnlySpan<byte> html, int from)
    {
        for (var i = from; i < html.Length - 1; i++)
        {
            if (html[i] == (byte)'<' && (char.IsAsciiLetter((char)html[i + 1]) || html[i + 1] is (byte)'/' or (byte)'!'))
            {
                return i;
            }
        }

        return -1;
    }

    private static int IndexOfIgnoreCase(ReadOnlySpan<byte> html, int from, string value)
    {
        var pattern = Encoding.ASCII.GetBytes(value.ToLowerInvariant());
        for (var i = from; i <= html.Length - pattern.Length; i++)
        {
            var match = true;
            for (var j = 0; j < pattern.Length && match; j++)
            {
                match = (byte)char.ToLowerInvariant((char)html[i + j]) == pattern[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }

    private sealed class Renderer
    {
        private readonly StringBuilder _inline = new();

        public StructuredTextBuilder Builder { get; } = new();

        public void Walk(INode node)
        {
            foreach (var child in node.ChildNodes)
            {
                switch (child)
                {
                    case IText text:
                        _inline.Append(text.Data);
                        break;
                    case IElement element when IsDropped(element):
                        break;
                    case IElement element when HeadingLevel(element) is { } level:
                        Flush();
                        Builder.AddHeading(level, InlineText(element));
                        break;
                    case IElement { LocalName: "br" }:
                        _inline.Append(StructuredTextBuilder.LineBreak);
                        break;
                    case IElement { LocalName: "pre" } element:
                        Flush();
                        Builder.AddCode(element.TextContent);
                        break;
                    case IElement { LocalName: "ul" or "ol" } element:
                        Flush();
                        RenderList(element, 0);
                        break;
                    case IHtmlTableElement table:
                        Flush();
                        RenderTable(table);
                        break;
                    case IElement { LocalName: "blockquote" } element:
                        Flush();
                        Walk(element);
                        Flush(quote: true);
                        break;
                    case IElement element when _blocks.Contains(element.LocalName):
                        Flush();
                        Walk(element);
                        Flush();
                        break;
                    case IElement element:
                        Walk(element); // inline: a, span, code, em, …
                        break;
                }
            }
        }

        public void Flush(bool quote = false)
        {
            if (_inline.Length == 0)
            {
                return;
            }

            if (quote)
            {
                Builder.AddQuote(_inline.ToString());
            }
            else
            {
                Builder.AddParagraph(_inline.ToString());
            }

            _inline.Clear();
        }

        private void RenderList(IElement list, int depth)
        {
            var ordered = list.LocalName == "ol";
            var number = int.TryParse(list.GetAttribute("start"), CultureInfo.InvariantCulture, out var start) ? start : 1;
            foreach (var item in list.Children.Where(c => c.LocalName == "li" && !IsDropped(c)))
            {
                var nested = new List<IElement>();
                var text = new StringBuilder();
                GatherListItem(item, text, nested);
                Builder.AddListItem(text.ToString(), depth, ordered ? $"{number}." : "-");
                number++;
                foreach (var sublist in nested)
                {
                    if (sublist.LocalName is "ul" or "ol")
                    {
                        RenderList(sublist, depth + 1);
                    }
                    else if (sublist is IHtmlTableElement table)
                    {
                        RenderTable(table);
                    }
                    else
                    {
                        Builder.AddCode(sublist.TextContent);
                    }
                }
            }
        }

        /// <summary>The item's own text; nested lists, tables and pre blocks are set aside to render after it.</summary>
        private static void GatherListItem(INode node, StringBuilder text, List<IElement> nested)
        {
            foreach (var child in node.ChildNodes)
            {
                switch (child)
                {
                    case IText t:
                        text.Append(t.Data);
                        break;
                    case IElement e when IsDropped(e):
                        break;
                    case IElement { LocalName: "ul" or "ol" or "table" or "pre" } e:
                        nested.Add(e);
                        break;
                    case IElement { LocalName: "br" }:
                        text.Append(StructuredTextBuilder.LineBreak);
                        break;
                    case IElement e:
                        if (_blocks.Contains(e.LocalName))
                        {
                            text.Append(' ');
                        }

                        GatherListItem(e, text, nested);
                        break;
                }
            }
        }

        private void RenderTable(IHtmlTableElement table)
        {
            var rows = table.Rows.Select(row => (IReadOnlyList<string>)[.. row.Cells.Select(InlineText)]).ToList();
            var headerRows = table.Head?.Rows.Length ?? 0;
            if (headerRows == 0)
            {
                headerRows = table.Rows.TakeWhile(row => row.Cells.Length > 0 && row.Cells.All(c => c.LocalName == "th")).Count();
            }

            Builder.AddTable(rows, headerRows);
        }

        /// <summary>All text inside an element, as one line (br kept as a line break), without dropped elements.</summary>
        private static string InlineText(IElement element)
        {
            var text = new StringBuilder();
            var ignored = new List<IElement>();
            GatherListItem(element, text, ignored);
            foreach (var block in ignored)
            {
                text.Append(' ').Append(block.TextContent);
            }

            return text.ToString();
        }
    }
}
