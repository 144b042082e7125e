using AgentRag.Core.Documents;

namespace AgentRag.Ingestion.Extraction;

/// <summary>
/// What an extractor read from a file, in one shape for every format, so the chunker treats them alike.
/// Text lives in <see cref="Pages"/>; every structural element points into a page's text by (page number, offset).
/// A PDF has pages 1..N (physical pages); every other format has exactly one text unit numbered 0.
/// </summary>
public sealed record ExtractedDocument
{
    /// <summary>MIME type of the source, one of <see cref="ContentTypes"/>.</summary>
    public required string ContentType { get; init; }

    /// <summary>Pages in ascending number. Page text never ends with whitespace; a page without text is "".</summary>
    public required IReadOnlyList<ExtractedPage> Pages { get; init; }

    /// <summary>Headings in document order (ascending page, then offset). Levels start at 1 (outermost).</summary>
    public IReadOnlyList<DocumentHeading> Headings { get; init; } = [];

    /// <summary>Structural blocks other than headings (paragraphs, list items, code, tables), in document order.
    /// Formats without structure (PDF, plain text) leave this empty and rely on blank lines.</summary>
    public IReadOnlyList<TextBlock> Blocks { get; init; } = [];

    /// <summary>Tables with their rows' positions, in document order.</summary>
    public IReadOnlyList<ExtractedTable> Tables { get; init; } = [];

    public DocumentMetadata Metadata { get; init; } = new();

    /// <summary>Problems that did not stop extraction, e.g. "Page 7 has no text layer".</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>True for formats with physical pages (PDF): page numbers are 1-based and meaningful to a reader.</summary>
    public bool HasPhysicalPages => Pages.Count > 0 && Pages[0].Number > 0;

    /// <summary>The pages as the document store keeps them.</summary>
    public IReadOnlyList<DocumentPage> ToDocumentPages(string documentId, string tenantId) =>
        [.. Pages.Select(page => new DocumentPage(documentId, tenantId, page.Number, page.Text))];
}

/// <summary>One page of text (or the whole text of a format without pages, as page 0).</summary>
public sealed record ExtractedPage(int Number, string Text, PageTextSource Source);

/// <summary>Where a page's text came from.</summary>
public enum PageTextSource
{
    /// <summary>The file's own text (a PDF text layer, or the markup of a non-PDF format).</summary>
    TextLayer,

    /// <summary>Recognized from the rendered page image by OCR.</summary>
    Ocr,

    /// <summary>The page has no text layer and OCR was unavailable or found nothing.</summary>
    None,
}

/// <summary>A heading at character <see cref="Offset"/> of page <see cref="Page"/>'s text.</summary>
/// <param name="Level">1 for the outermost headings (a chapter or h1), deeper levels count up.</param>
/// <param name="Title">The heading as a reader sees it, e.g. "2.1 Vectors and assignment".</param>
public sealed record DocumentHeading(int Level, string Title, int Page, int Offset);

/// <summary>The kind of a <see cref="TextBlock"/>.</summary>
public enum TextBlockKind
{
    Paragraph,
    ListItem,
    Code,
    Table,
    Quote,
}

/// <summary>A block of text [<see cref="Start"/>, <see cref="End"/>) on page <see cref="Page"/>.</summary>
public sealed record TextBlock(TextBlockKind Kind, int Page, int Start, int End);

/// <summary>
/// A table whose text is [<see cref="Start"/>, <see cref="End"/>) on page <see cref="Page"/>, one row per line.
/// The first <see cref="HeaderRowCount"/> rows are the header that a chunk starting inside the table repeats.
/// </summary>
public sealed record ExtractedTable(int Page, int Start, int End, IReadOnlyList<TableRowSpan> Rows, int HeaderRowCount)
{
    /// <summary>The header rows' range [start, end), or null when the table has no header row.</summary>
    public (int Start, int End)? HeaderRange =>
        HeaderRowCount > 0 && Rows.Count > HeaderRowCount ? (Rows[0].Start, Rows[HeaderRowCount - 1].End) : null;
}

/// <summary>One table row's text range [<see cref="Start"/>, <see cref="End"/>) on its table's page.</summary>
public readonly record struct TableRowSpan(int Start, int End);

/// <summary>Progress of one extraction, for messages such as "Extracting page 23/113".</summary>
public sealed record ExtractionProgress(int Completed, int Total, string Message);
