using System.Globalization;
using System.Text.RegularExpressions;
using AgentRag.Core.Documents;

namespace AgentRag.Ingestion.Extraction.PlainText;

/// <summary>
/// Extracts plain text in its detected encoding (UTF-8, UTF-16 with a byte order mark, else Latin-1). The stored
/// text is the file's own text with line endings normalized to '\n', so spans point into what the user uploaded.
/// Headings are recognized the way readers of plain text write them: <c># Title</c> lines (one to six '#') and a title
/// line underlined with <c>===</c> (level 1) or <c>---</c> (level 2). A leading block of <c>Key: value</c> lines (as in
/// pandoc/txt2tags/email-style headers) supplies Title, Author, Date and Language. Stateless and thread-safe.
/// </summary>
public sealed partial class PlainTextExtractor : IDocumentExtractor
{
    public bool CanExtract(string contentType) => contentType == ContentTypes.PlainText;

    /// <summary>Extraction is in-process and cheap, so submission runs it in full: a file without text is refused at once.</summary>
    public Task ValidateAsync(DocumentSource source, CancellationToken cancellationToken = default) =>
        ExtractAsync(source, progress: null, cancellationToken);

    /// <inheritdoc />
    public async Task<ExtractedDocument> ExtractAsync(DocumentSource source, IProgress<ExtractionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var raw = await TextEncodingDetector.ReadAllTextAsync(source.Path, source.FileName, cancellationToken);
        var text = raw.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').TrimEnd();
        if (text.Length == 0)
        {
            throw new DocumentExtractionException(source.FileName, ExtractionFailure.NoText, "the file contains only whitespace.");
        }

        var lines = SplitLines(text);
        progress?.Report(new ExtractionProgress(1, 1, "Extracted text"));
        return new ExtractedDocument
        {
            ContentType = ContentTypes.PlainText,
            Pages = [new ExtractedPage(0, text, PageTextSource.TextLayer)],
            Headings = FindHeadings(text, lines),
            Metadata = ReadHeaderBlock(text, lines),
        };
    }

    /// <summary>(start, end) of each line, without the '\n'.</summary>
    private static List<(int Start, int End)> SplitLines(string text)
    {
        var lines = new List<(int, int)>();
        var start = 0;
        while (start <= text.Length)
        {
            var end = text.IndexOf('\n', start);
            end = end < 0 ? text.Length : end;
            lines.Add((start, end));
            start = end + 1;
        }

        return lines;
    }

    private static List<DocumentHeading> FindHeadings(string text, List<(int Start, int End)> lines)
    {
        var headings = new List<DocumentHeading>();
        string Line(int i) => text[lines[i].Start..lines[i].End];
        for (var i = 0; i < lines.Count; i++)
        {
            var line = Line(i);
            if (AtxHeading().Match(line) is { Success: true } atx)
            {
                headings.Add(new DocumentHeading(atx.Groups["marks"].Length, atx.Groups["title"].Value.Trim(), 0, lines[i].Start));
                continue;
            }

            // "Title\n=====": the title follows a blank line (or starts the file), so a paragraph's last line is not taken.
            if (i + 1 < lines.Count
                && line.Trim().Length > 0
                && (i == 0 || Line(i - 1).Trim().Length == 0)
                && !ListMarker().IsMatch(line)
                && SetextUnderline().Match(Line(i + 1)) is { Success: true } underline)
            {
                headings.Add(new DocumentHeading(underline.Groups["rule"].Value[0] == '=' ? 1 : 2, line.Trim(), 0, lines[i].Start));
                i++;
            }
        }

        return headings;
    }

    private static DocumentMetadata ReadHeaderBlock(string text, List<(int Start, int End)> lines)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (start, end) in lines)
        {
            if (HeaderField().Match(text, start, end - start) is not { Success: true } field)
            {
                break;
            }

            fields.TryAdd(field.Groups["key"].Value, field.Groups["value"].Value.Trim());
        }

        // One "Note: …" line is prose; a header block has at least two fields and names something we read.
        if (fields.Count < 2)
        {
            return new DocumentMetadata();
        }

        var date = fields.GetValueOrDefault("Date");
        return new DocumentMetadata
        {
            Title = fields.GetValueOrDefault("Title"),
            Author = fields.GetValueOrDefault("Author"),
            CreatedAt = DateTimeOffset.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created) ? created : null,
            Language = fields.GetValueOrDefault("Language") ?? fields.GetValueOrDefault("Lang"),
        };
    }

    [GeneratedRegex(@"^ {0,3}(?<marks>#{1,6})[ \t]+(?<title>.*?[^#\s].*?)[ \t]*#*[ \t]*$", RegexOptions.CultureInvariant)]
    private static partial Regex AtxHeading();

    [GeneratedRegex(@"^ {0,3}(?<rule>={3,}|-{3,})[ \t]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SetextUnderline();

    [GeneratedRegex(@"^\s*([-+*•]|\d+[.)])\s", RegexOptions.CultureInvariant)]
    private static partial Regex ListMarker();

    [GeneratedRegex(@"^(?<key>[A-Za-z][A-Za-z-]{0,30}):[ \t]+(?<value>\S.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderField();
}
