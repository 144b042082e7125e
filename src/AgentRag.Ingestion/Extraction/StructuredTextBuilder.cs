using System.Text;
using AgentRag.Core.Documents;

namespace AgentRag.Ingestion.Extraction;

/// <summary>
/// Renders the blocks of a format without pages (DOCX, HTML, Markdown) into the single text unit (page 0) that is
/// stored and chunked, recording where each heading, block and table row lands. Blocks are separated by a blank line,
/// consecutive list items by a line break; a table renders one row per line as <c>| cell | cell |</c>.
/// Inline whitespace is collapsed; code keeps its lines. Not thread-safe: one builder per extraction.
/// </summary>
internal sealed class StructuredTextBuilder
{
    private readonly StringBuilder _text = new();
    private readonly List<DocumentHeading> _headings = [];
    private readonly List<TextBlock> _blocks = [];
    private readonly List<ExtractedTable> _tables = [];
    private TextBlockKind? _previousKind;

    /// <summary>True when any block with text was added.</summary>
    public bool HasText => _text.Length > 0;

    public void AddHeading(int level, string title)
    {
        title = CollapseWhitespace(title);
        if (title.Length == 0)
        {
            return;
        }

        var start = BeginBlock(kind: null);
        _text.Append(title);
        _headings.Add(new DocumentHeading(Math.Clamp(level, 1, 9), title, 0, start));
    }

    public void AddParagraph(string text) => AddInlineBlock(TextBlockKind.Paragraph, text);

    public void AddQuote(string text) => AddInlineBlock(TextBlockKind.Quote, text);

    /// <summary>A list item, indented two spaces per <paramref name="depth"/> and led by <paramref name="marker"/> ("-", "3.").</summary>
    public void AddListItem(string text, int depth, string marker)
    {
        text = CollapseWhitespace(text);
        if (text.Length == 0)
        {
            return;
        }

        var start = BeginBlock(TextBlockKind.ListItem);
        _text.Append(' ', 2 * Math.Clamp(depth, 0, 10)).Append(marker).Append(' ').Append(text);
        _blocks.Add(new TextBlock(TextBlockKind.ListItem, 0, start, _text.Length));
    }

    /// <summary>Preformatted text: lines are kept, trailing whitespace and blank edges trimmed.</summary>
    public void AddCode(string code)
    {
        var lines = code.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd()).ToList();
        while (lines.Count > 0 && lines[0].Length == 0)
        {
            lines.RemoveAt(0);
        }

        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        if (lines.Count == 0)
        {
            return;
        }

        var start = BeginBlock(TextBlockKind.Code);
        _text.AppendJoin('\n', lines);
        _blocks.Add(new TextBlock(TextBlockKind.Code, 0, start, _text.Length));
    }

    /// <summary>A table; the first <paramref name="headerRows"/> rows are its header. Empty rows are dropped.</summary>
    public void AddTable(IReadOnlyList<IReadOnlyList<string>> rows, int headerRows)
    {
        var rendered = new List<(string Text, bool Header)>();
        for (var i = 0; i < rows.Count; i++)
        {
            var cells = rows[i].Select(c => CollapseWhitespace(c).Replace("|", "\\|", StringComparison.Ordinal)).ToList();
            if (cells.All(c => c.Length == 0))
            {
                continue;
            }

            rendered.Add(("| " + string.Join(" | ", cells) + " |", i < headerRows));
        }

        if (rendered.Count == 0)
        {
            return;
        }

        var start = BeginBlock(TextBlockKind.Table);
        var tableRows = new List<TableRowSpan>(rendered.Count);
        foreach (var (text, _) in rendered)
        {
            if (tableRows.Count > 0)
            {
                _text.Append('\n');
            }

            tableRows.Add(new TableRowSpan(_text.Length, _text.Length + text.Length));
            _text.Append(text);
        }

        var headerCount = rendered.TakeWhile(r => r.Header).Count();
        _tables.Add(new ExtractedTable(0, start, _text.Length, tableRows, headerCount));
        _blocks.Add(new TextBlock(TextBlockKind.Table, 0, start, _text.Length));
    }

    public ExtractedDocument Build(string contentType, DocumentMetadata metadata, IReadOnlyList<string> warnings) => new()
    {
        ContentType = contentType,
        Pages = [new ExtractedPage(0, _text.ToString(), PageTextSource.TextLayer)],
        Headings = [.. _headings],
        Blocks = [.. _blocks],
        Tables = [.. _tables],
        Metadata = metadata,
        Warnings = warnings,
    };

    /// <summary>
    /// Marks an explicit line break (HTML &lt;br&gt;, a DOCX break, a Markdown hard break) in inline text: source line
    /// endings are ordinary whitespace in these formats, so only this character survives as '\n'.
    /// </summary>
    public const char LineBreak = '\u2028';

    /// <summary>Runs of whitespace become one space; a run containing <see cref="LineBreak"/> becomes '\n'.</summary>
    public static string CollapseWhitespace(string text)
    {
        var result = new StringBuilder(text.Length);
        var pendingSpace = false;
        var pendingBreak = false;
        foreach (var c in text)
        {
            if (c == LineBreak)
            {
                pendingBreak = result.Length > 0;
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                pendingSpace = result.Length > 0;
                continue;
            }

            if (pendingBreak)
            {
                result.Append('\n');
            }
            else if (pendingSpace)
            {
                result.Append(' ');
            }

            pendingBreak = pendingSpace = false;
            result.Append(c);
        }

        return result.ToString();
    }

    private void AddInlineBlock(TextBlockKind kind, string text)
    {
        text = CollapseWhitespace(text);
        if (text.Length == 0)
        {
            return;
        }

        var start = BeginBlock(kind);
        _text.Append(text);
        _blocks.Add(new TextBlock(kind, 0, start, _text.Length));
    }

    /// <summary>Writes the separator before a block and returns where the block starts.</summary>
    private int BeginBlock(TextBlockKind? kind)
    {
        if (_text.Length > 0)
        {
            _text.Append(kind == TextBlockKind.ListItem && _previousKind == TextBlockKind.ListItem ? "\n" : "\n\n");
        }

        _previousKind = kind;
        return _text.Length;
    }
}
