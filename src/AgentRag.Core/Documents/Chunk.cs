namespace AgentRag.Core.Documents;

/// <summary>A retrievable passage of a document.</summary>
public sealed record Chunk
{
    public required string Id { get; init; }
    public required string DocumentId { get; init; }
    public required string TenantId { get; init; }
    /// <summary>0-based position of the chunk in its document.</summary>
    public required int Ordinal { get; init; }
    public required string Text { get; init; }
    /// <summary>Token count as defined by <c>TokenCounter</c> (see docs/adr/0003-chunking-rules.md).</summary>
    public required int TokenCount { get; init; }
    /// <summary>1-based physical page numbers the chunk spans, ascending; empty for formats without pages.</summary>
    public IReadOnlyList<int> Pages { get; init; } = [];
    /// <summary>Headings in force at the chunk's start, outermost first, joined with " &gt; ".</summary>
    public string HeadingPath { get; init; } = "";
    /// <summary>
    /// Where the chunk's text sits in the stored page text, one span per page it touches, in order (preceded by the
    /// table header row's span when the chunk starts inside a table). <see cref="Text"/> is the span texts joined with
    /// <see cref="ChunkSpans.Separator"/>.
    /// </summary>
    public IReadOnlyList<SourceSpan> Spans { get; init; } = [];
}

/// <summary>
/// A half-open character range [<see cref="Start"/>, <see cref="End"/>) of stored page text.
/// <see cref="Page"/> is the 1-based physical page, or 0 for the single text unit of a format without pages.
/// </summary>
public readonly record struct SourceSpan(int Page, int Start, int End)
{
    public int Length => End - Start;
}

/// <summary>The stored text of one page (or, for formats without pages, of the whole document as page 0).</summary>
public sealed record DocumentPage(string DocumentId, string TenantId, int Number, string Text);
