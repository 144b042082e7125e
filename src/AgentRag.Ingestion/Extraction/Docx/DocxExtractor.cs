using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using AgentRag.Core.Documents;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using Microsoft.Extensions.Options;

namespace AgentRag.Ingestion.Extraction.Docx;

/// <summary>
/// Extracts Word documents with DocumentFormat.OpenXml. Before anything is decompressed, the ZIP central directory is
/// checked against <see cref="DocumentExtractionOptions.MaxExpandedBytes"/> and
/// <see cref="DocumentExtractionOptions.MaxCompressionRatio"/>, so a ZIP bomb is refused without being expanded.
/// Headings come from paragraph styles (built-in "heading 1".."heading 9" and "Title", by style id or name, following
/// "based on" chains) or an explicit outline level; lists keep nesting and numbering; tables keep rows, with header rows
/// marked "repeat as header row" (or, failing that, the first row when the table style formats it). Text in
/// content controls is included; deleted revisions and field codes are not. Stateless and thread-safe.
/// </summary>
public sealed partial class DocxExtractor : IDocumentExtractor
{
    /// <summary>Parts smaller than this are not ratio-checked: small XML parts legitimately compress very well.</summary>
    private const long RatioCheckThreshold = 1024 * 1024;

    /// <summary>
    /// The deepest XML nesting of the main document part that is read. The Open XML SDK's work grows quadratically with
    /// depth (20,000 nested content controls take minutes); Word documents nest a few dozen levels.
    /// </summary>
    public const int MaxNesting = 1_000;

    private readonly DocumentExtractionOptions _options;

    public DocxExtractor(IOptions<DocumentExtractionOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
    }

    public bool CanExtract(string contentType) => contentType == ContentTypes.Docx;

    /// <inheritdoc />
    public Task<ExtractedDocument> ExtractAsync(DocumentSource source, IProgress<ExtractionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        cancellationToken.ThrowIfCancellationRequested();
        CheckExpansion(source);
        try
        {
            CheckNesting(source);
            using var document = WordprocessingDocument.Open(source.Path, isEditable: false);
            var main = document.MainDocumentPart;
            var body = main?.Document?.Body
                ?? throw new DocumentExtractionException(source.FileName, ExtractionFailure.Corrupt, "the Word document has no main document body.");
            var renderer = new Renderer(main!);
            renderer.Walk(body, cancellationToken);
            if (!renderer.Builder.HasText)
            {
                throw new DocumentExtractionException(source.FileName, ExtractionFailure.NoText, "the Word document contains no text.");
            }

            progress?.Report(new ExtractionProgress(1, 1, "Extracted Word document"));
            var properties = document.PackageProperties;
            var metadata = new DocumentMetadata
            {
                Title = NullIfBlank(properties.Title) ?? renderer.FirstTitle,
                Author = NullIfBlank(properties.Creator),
                CreatedAt = properties.Created is { } created ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) : null,
                Language = NullIfBlank(properties.Language),
            };
            return Task.FromResult(renderer.Builder.Build(ContentTypes.Docx, metadata, []));
        }
        catch (Exception ex) when (ex is OpenXmlPackageException or InvalidDataException or System.Xml.XmlException or FileFormatException or FormatException)
        {
            throw new DocumentExtractionException(source.FileName, ExtractionFailure.Corrupt, $"the Word document is damaged ({ex.Message}).", ex);
        }
        catch (IOException ex)
        {
            throw new DocumentExtractionException(source.FileName, ExtractionFailure.Io, $"reading the file failed: {ex.Message}", ex);
        }
    }

    /// <summary>Streams <c>word/document.xml</c> (without building a tree) and refuses nesting deeper than <see cref="MaxNesting"/>.</summary>
    private static void CheckNesting(DocumentSource source)
    {
        using var archive = ZipFile.OpenRead(source.Path);
        if (archive.GetEntry("word/document.xml") is not { } entry)
        {
            return; // the Open XML SDK names what is missing
        }

        using var reader = System.Xml.XmlReader.Create(entry.Open(), new System.Xml.XmlReaderSettings { DtdProcessing = System.Xml.DtdProcessing.Prohibit, IgnoreWhitespace = true });
        try
        {
            while (reader.Read())
            {
                if (reader.Depth > MaxNesting)
                {
                    throw new DocumentExtractionException(source.FileName, ExtractionFailure.Corrupt,
                        $"the Word document nests XML elements more than {MaxNesting:N0} deep (line {((System.Xml.IXmlLineInfo)reader).LineNumber}); no real document does.");
                }
            }
        }
        catch (System.Xml.XmlException)
        {
            // Malformed XML is for the Open XML SDK to report, with what it knows of the package.
        }
    }

    /// <summary>Refuses ZIP bombs and damaged containers at submission (reads only the central directory).</summary>
    public Task ValidateAsync(DocumentSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        CheckExpansion(source);
        return Task.CompletedTask;
    }

    /// <summary>Refuses archives whose declared sizes exceed the limits, reading only the central directory.</summary>
    private void CheckExpansion(DocumentSource source)
    {
        try
        {
            using var archive = ZipFile.OpenRead(source.Path);
            long total = 0;
            foreach (var entry in archive.Entries)
            {
                total += entry.Length;
                if (entry.Length > RatioCheckThreshold && entry.Length > entry.CompressedLength * _options.MaxCompressionRatio)
                {
                    throw new DocumentExtractionException(source.FileName, ExtractionFailure.TooLarge,
                        $"the part '{entry.FullName}' would expand from {entry.CompressedLength:N0} to {entry.Length:N0} bytes, a ratio above " +
                        $"{_options.MaxCompressionRatio}:1 ({DocumentExtractionOptions.SectionName}:MaxCompressionRatio); the file looks like a ZIP bomb.");
                }

                if (total > _options.MaxExpandedBytes)
                {
                    throw new DocumentExtractionException(source.FileName, ExtractionFailure.TooLarge,
                        $"its parts expand to more than {_options.MaxExpandedBytes:N0} bytes ({DocumentExtractionOptions.SectionName}:MaxExpandedBytes).");
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw new DocumentExtractionException(source.FileName, ExtractionFailure.Corrupt, $"the ZIP container is damaged ({ex.Message}).", ex);
        }
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : StructuredTextBuilder.CollapseWhitespace(value);

    [GeneratedRegex(@"^heading\s*(?<level>[1-9])$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HeadingStyle();

    private sealed class Renderer(MainDocumentPart main)
    {
        private readonly Dictionary<string, Style> _styles = main.StyleDefinitionsPart?.Styles?.Elements<Style>()
            .Where(s => s.StyleId?.Value is not null)
            .GroupBy(s => s.StyleId!.Value!)
            .ToDictionary(g => g.Key, g => g.First()) ?? [];

        private readonly Numbering? _numbering = main.NumberingDefinitionsPart?.Numbering;
        private readonly Dictionary<(int NumberingId, int Level), int> _counters = [];

        public StructuredTextBuilder Builder { get; } = new();

        /// <summary>The text of the first paragraph styled "Title", if any.</summary>
        public string? FirstTitle { get; private set; }

        public void Walk(OpenXmlElement container, CancellationToken cancellationToken)
        {
            foreach (var element in container.Elements())
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (element)
                {
                    case Paragraph paragraph:
                        Render(paragraph);
                        break;
                    case Table table:
                        RenderTable(table);
                        break;
                    case SdtBlock sdt when sdt.SdtContentBlock is { } content:
                        Walk(content, cancellationToken);
                        break;
                    case CustomXmlBlock custom:
                        Walk(custom, cancellationToken);
                        break;
                }
            }
        }

        private void Render(Paragraph paragraph)
        {
            var text = ParagraphText(paragraph);
            if (string.IsNullOrWhiteSpace(text))
            {
                return;
            }

            var styleId = paragraph.ParagraphProperties?.ParagraphStyleId?.Val?.Value;
            if (HeadingLevel(paragraph, styleId, out var isTitle) is { } level)
            {
                if (isTitle)
                {
                    FirstTitle ??= StructuredTextBuilder.CollapseWhitespace(text);
                }

                Builder.AddHeading(level, text);
                return;
            }

            if (ListLevel(paragraph, styleId) is { } list)
            {
                Builder.AddListItem(text, list.Level, Marker(list.NumberingId, list.Level));
                return;
            }

            Builder.AddParagraph(text);
        }

        private int? HeadingLevel(Paragraph paragraph, string? styleId, out bool isTitle)
        {
            isTitle = false;
            if (paragraph.ParagraphProperties?.OutlineLevel?.Val?.Value is { } direct && direct < 9)
            {
                return direct + 1;
            }

            // Follow "based on" so a custom style derived from Heading 2 is a level-2 heading.
            for (var (id, depth) = (styleId, 0); id is not null && depth < 10 && _styles.TryGetValue(id, out var style); id = style.BasedOn?.Val?.Value, depth++)
            {
                var name = style.StyleName?.Val?.Value ?? "";
                if (HeadingStyle().Match(id) is { Success: true } byId)
                {
                    return byId.Groups["level"].Value[0] - '0';
                }

                if (HeadingStyle().Match(name) is { Success: true } byName)
                {
                    return byName.Groups["level"].Value[0] - '0';
                }

                if (id.Equals("Title", StringComparison.OrdinalIgnoreCase) || name.Equals("Title", StringComparison.OrdinalIgnoreCase))
                {
                    isTitle = true;
                    return 1;
                }

                if (style.StyleParagraphProperties?.OutlineLevel?.Val?.Value is { } outline && outline < 9)
                {
                    return outline + 1;
                }
            }

            return null;
        }

        private (int NumberingId, int Level)? ListLevel(Paragraph paragraph, string? styleId)
        {
            var numbering = paragraph.ParagraphProperties?.NumberingProperties;
            for (var (id, depth) = (styleId, 0); numbering is null && id is not null && depth < 10 && _styles.TryGetValue(id, out var style); id = style.BasedOn?.Val?.Value, depth++)
            {
                numbering = style.StyleParagraphProperties?.NumberingProperties;
            }

            var numberingId = numbering?.NumberingId?.Val?.Value ?? 0;
            return numberingId == 0 ? null : (numberingId, numbering?.NumberingLevelReference?.Val?.Value ?? 0);
        }

        /// <summary>"-" for bullets, "3." for decimal and other counted formats; counters restart below a shallower item.</summary>
        private string Marker(int numberingId, int level)
        {
            var definition = LevelDefinition(numberingId, level);
            foreach (var key in _counters.Keys.Where(k => k.NumberingId == numberingId && k.Level > level).ToList())
            {
                _counters.Remove(key);
            }

            var format = definition?.NumberingFormat?.Val?.InnerText;
            if (format is null or "bullet" or "none")
            {
                return "-";
            }

            var start = definition?.StartNumberingValue?.Val?.Value ?? 1;
            var value = _counters.TryGetValue((numberingId, level), out var previous) ? previous + 1 : start;
            _counters[(numberingId, level)] = value;
            return value.ToString(CultureInfo.InvariantCulture) + ".";
        }

        private Level? LevelDefinition(int numberingId, int level)
        {
            var instance = _numbering?.Elements<NumberingInstance>().FirstOrDefault(n => n.NumberID?.Value == numberingId);
            var abstractId = instance?.AbstractNumId?.Val?.Value;
            var abstractNumbering = _numbering?.Elements<AbstractNum>().FirstOrDefault(a => a.AbstractNumberId?.Value == abstractId);
            return abstractNumbering?.Elements<Level>().FirstOrDefault(l => l.LevelIndex?.Value == level);
        }

        private void RenderTable(Table table)
        {
            var rows = table.Elements<TableRow>().ToList();
            var cells = rows
                .Select(row => (IReadOnlyList<string>)[.. row.Elements<TableCell>().Select(CellText)])
                .ToList();
            var headerRows = rows.TakeWhile(r => r.TableRowProperties?.GetFirstChild<TableHeader>() is { } header && IsOn(header.Val)).Count();
            if (headerRows == 0 && rows.Count > 1 && FirstRowIsFormattedAsHeader(table))
            {
                headerRows = 1;
            }

            Builder.AddTable(cells, headerRows);
        }

        /// <summary>An on/off flag is on when absent or "on", "true" or "1" (writers differ; Word reads all three).</summary>
        private static bool IsOn(OpenXmlSimpleType? value) => value?.InnerText is null or "on" or "true" or "1";

        private static bool FirstRowIsFormattedAsHeader(Table table)
        {
            var look = table.GetFirstChild<TableProperties>()?.TableLook;
            if (look is null)
            {
                return false;
            }

            if (look.FirstRow is { } firstRow)
            {
                return IsOn(firstRow);
            }

            // Older files state the flags only as a bit mask: 0x0020 is "first row".
            return look.Val?.Value is { } mask && int.TryParse(mask, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var bits) && (bits & 0x0020) != 0;
        }

        private static string CellText(TableCell cell) =>
            string.Join(' ', cell.Descendants<Paragraph>().Select(ParagraphText).Where(t => !string.IsNullOrWhiteSpace(t)));

        /// <summary>The paragraph's visible text: runs' text, tabs as spaces, line breaks kept; deleted text and field codes excluded.</summary>
        private static string ParagraphText(Paragraph paragraph)
        {
            var text = new StringBuilder();
            foreach (var element in paragraph.Descendants())
            {
                switch (element)
                {
                    case Text t:
                        text.Append(t.Text);
                        break;
                    case TabChar or PositionalTab:
                        text.Append(' ');
                        break;
                    case Break br when br.Type?.InnerText is null or "textWrapping":
                    case CarriageReturn:
                        text.Append(StructuredTextBuilder.LineBreak);
                        break;
                    case Break:
                        text.Append(' ');
                        break;
                    case NoBreakHyphen:
                        text.Append('-');
                        break;
                }
            }

            return text.ToString();
        }
    }
}
