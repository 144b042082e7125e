using System.Text;
using AgentRag.Core;
using AgentRag.Core.Documents;
using AgentRag.Ingestion.Extraction;
using Microsoft.Extensions.Options;

namespace AgentRag.Ingestion.Chunking;

/// <summary>
/// Splits an <see cref="ExtractedDocument"/> into retrievable <see cref="Chunk"/>s of at most
/// <see cref="ChunkingOptions.MaxTokens"/> tokens (see docs/adr/0003-chunking-rules.md):
/// <list type="bullet">
///   <item>The document's pages are read as one stream; a chunk may cross pages and records one span per page part.</item>
///   <item>A chunk ends at the next heading once it holds more than a heading line (1/32 of the budget), even when the
///   rest of the document would fit in it, so chunks never run from one section into the next; otherwise at
///   the best boundary in the second half of its budget: a paragraph, block or table row, then a sentence, a line, and
///   at worst a space. Words are never split, except a single "word" of more than half the budget (e.g. an inline
///   blob), which is cut into pieces.</item>
///   <item>The next chunk repeats up to <see cref="ChunkingOptions.OverlapTokens"/> tokens, starting at the best
///   boundary in that tail; there is no overlap after a heading break, so a chunk never starts in the previous section.</item>
///   <item>A chunk starting inside a table body repeats the table's header row first, as an extra span.</item>
///   <item><see cref="Chunk.Text"/> is its spans' texts joined with <see cref="ChunkSpans.Separator"/>.</item>
///   <item><see cref="Chunk.HeadingPath"/> is the heading stack in force over the largest part of the chunk's text (a
///   chunk that opens with the end of one subsection and goes on into the next is labelled with the next), or the
///   document title before the first heading.</item>
/// </list>
/// Deterministic: the same document and options always give the same chunks and ids. Thread-safe (stateless).
/// </summary>
public sealed class Chunker
{
    private const string HeadingPathSeparator = " > ";
    private readonly ChunkingOptions _options;

    public Chunker(IOptions<ChunkingOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _options.ThrowIfInvalid();
    }

    /// <summary>Chunks of the document in reading order, ordinals from 0; empty when the document has no text.</summary>
    public IReadOnlyList<Chunk> Chunk(string documentId, string tenantId, ExtractedDocument document)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        ArgumentNullException.ThrowIfNull(document);

        var stream = TextStream.Create(document);
        var units = Units.Create(stream, document, _options.MaxTokens / 2);
        if (units.Count == 0)
        {
            return [];
        }

        var tables = TableHeaders.Create(stream, document, _options.MaxTokens);
        var headings = new HeadingPaths(stream, document);
        var ranges = Split(units, tables);

        var chunks = new List<Chunk>(ranges.Count);
        foreach (var (first, end) in ranges)
        {
            var start = units.Start[first];
            var spans = new List<SourceSpan>(3);
            if (tables.HeaderToRepeat(start) is { } header)
            {
                stream.AddSpans(header.Start, header.End, spans);
            }

            stream.AddSpans(start, units.End[end - 1], spans);
            var text = string.Join(ChunkSpans.Separator, spans.Select(s => stream.PageText(s.Page).AsSpan(s.Start, s.Length).ToString()));
            var ordinal = chunks.Count;
            chunks.Add(new Chunk
            {
                Id = Ids.FromSeed("chk", $"{tenantId}/{documentId}/{ordinal}"),
                DocumentId = documentId,
                TenantId = tenantId,
                Ordinal = ordinal,
                Text = text,
                TokenCount = TokenCounter.Count(text),
                Pages = [.. spans.Where(s => s.Page > 0).Select(s => s.Page).Distinct().Order()],
                HeadingPath = headings.Over(start, units.End[end - 1]),
                Spans = spans,
            });
        }

        return chunks;
    }

    /// <summary>Unit ranges [first, end) of each chunk.</summary>
    private List<(int First, int End)> Split(Units units, TableHeaders tables)
    {
        var max = _options.MaxTokens;
        var cumulative = units.Cumulative;
        var n = units.Count;
        var ranges = new List<(int, int)>();
        var first = 0;
        while (first < n)
        {
            var budget = max - (tables.HeaderToRepeat(units.Start[first])?.Tokens ?? 0);
            var limit = LastFitting(cumulative, first, budget);
            int end;
            if (limit >= n)
            {
                if (SectionBreak(units, first, n - 1, budget) is not { } sectionEnd)
                {
                    ranges.Add((first, n));
                    break;
                }

                end = sectionEnd;
            }
            else
            {
                end = ChooseEnd(units, first, limit, budget);
            }

            ranges.Add((first, end));
            first = ChooseNextStart(units, tables, first, end);
        }

        return ranges;
    }

    /// <summary>The largest end (exclusive) such that units [first, end) fit the budget; at least first + 1.</summary>
    private static int LastFitting(int[] cumulative, int first, int budget)
    {
        var target = cumulative[first] + budget;
        int low = first + 1, high = cumulative.Length - 1;
        while (low < high)
        {
            var mid = (low + high + 1) / 2;
            if (cumulative[mid] <= target)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        return low;
    }

    /// <summary>
    /// The break before a unit in (first, limit]: the first heading once the chunk holds more than its own headings
    /// (1/32 of the budget), so chunks follow sections and carry the right heading path; otherwise the best boundary
    /// once half the budget is filled, latest on ties.
    /// </summary>
    private static int ChooseEnd(Units units, int first, int limit, int budget)
    {
        if (SectionBreak(units, first, limit, budget) is { } section)
        {
            return section;
        }

        var cumulative = units.Cumulative;

        var best = limit;
        var bestQuality = Boundary.None;
        for (var end = limit; end > first && (cumulative[end] - cumulative[first]) * 2 >= budget; end--)
        {
            if (units.Quality[end] > bestQuality)
            {
                best = end;
                bestQuality = units.Quality[end];
            }
        }

        return best;
    }

    /// <summary>
    /// The first heading in (first, last] before which the chunk holds more than its own headings (1/32 of the budget),
    /// or null. Also applied when the rest of the document fits one chunk, so a short document is split at its sections
    /// and each chunk is labelled with the section it holds.
    /// </summary>
    private static int? SectionBreak(Units units, int first, int last, int budget)
    {
        var cumulative = units.Cumulative;
        for (var end = first + 1; end <= last; end++)
        {
            if (units.Quality[end] == Boundary.Section && (cumulative[end] - cumulative[first]) * 32 >= budget)
            {
                return end;
            }
        }

        return null;
    }

    /// <summary>
    /// Where the chunk after [first, end) starts: up to the overlap budget back from <paramref name="end"/>, at the best
    /// boundary (earliest on ties, so the overlap is as long as allowed), never before a heading inside that tail.
    /// </summary>
    private int ChooseNextStart(Units units, TableHeaders tables, int first, int end)
    {
        var overlap = _options.OverlapTokens;
        if (overlap == 0 || units.Quality[end] == Boundary.Section)
        {
            return end;
        }

        var cumulative = units.Cumulative;
        var best = end;
        var bestQuality = Boundary.None;
        var bestFillsHalf = false;
        for (var start = end - 1; start > first; start--)
        {
            var length = cumulative[end] - cumulative[start];
            if (length > overlap)
            {
                break;
            }

            var quality = units.Quality[start];
            if (length * 2 >= overlap)
            {
                // Among starts giving at least half the overlap: the best boundary, the longest overlap on ties.
                if (!bestFillsHalf || quality >= bestQuality)
                {
                    (best, bestQuality, bestFillsHalf) = (start, quality, true);
                }
            }
            else
            {
                best = start; // shorter than half: just the longest so far
            }

            if (quality == Boundary.Section)
            {
                break; // the overlap may start at a heading but not reach before it
            }
        }

        // Starting inside a repeated header row would show half a header; start at the row instead if that still advances.
        if (tables.HeaderContaining(units.Start[best]) is { } header && best != end)
        {
            var headerUnit = units.IndexAtOrAfter(header.Start);
            best = headerUnit > first ? headerUnit : end;
        }

        return best;
    }

    /// <summary>How good a place to break before a unit is; higher is better.</summary>
    private enum Boundary : byte
    {
        None = 0,
        Word = 1,
        Line = 2,
        Sentence = 3,
        Paragraph = 4,
        Section = 5,
    }

    /// <summary>
    /// The document's non-empty pages concatenated with <see cref="ChunkSpans.Separator"/>: a chunk's range of this
    /// stream maps back to one span per page, and joining those spans' texts reproduces the range exactly.
    /// </summary>
    private sealed class TextStream
    {
        private readonly int[] _pageNumbers;
        private readonly int[] _pageStarts;
        private readonly string[] _pageTexts;
        private readonly Dictionary<int, int> _indexByNumber;

        private TextStream(string text, int[] numbers, int[] starts, string[] texts)
        {
            Text = text;
            _pageNumbers = numbers;
            _pageStarts = starts;
            _pageTexts = texts;
            _indexByNumber = numbers.Select((number, index) => (number, index)).ToDictionary(p => p.number, p => p.index);
        }

        public string Text { get; }

        public static TextStream Create(ExtractedDocument document)
        {
            var text = new StringBuilder();
            var numbers = new List<int>();
            var starts = new List<int>();
            var texts = new List<string>();
            foreach (var page in document.Pages)
            {
                // Empty pages are kept with the position of the next text, so positions on them still map.
                if (page.Text.Length > 0 && text.Length > 0)
                {
                    text.Append(ChunkSpans.Separator);
                }

                numbers.Add(page.Number);
                starts.Add(text.Length);
                texts.Add(page.Text);
                text.Append(page.Text);
            }

            return new TextStream(text.ToString(), [.. numbers], [.. starts], [.. texts]);
        }

        public string PageText(int number) => _pageTexts[_indexByNumber[number]];

        /// <summary>The stream position of (page, offset); offsets past a page's end clamp to it.</summary>
        public int Position(int page, int offset) =>
            _indexByNumber.TryGetValue(page, out var index)
                ? _pageStarts[index] + Math.Clamp(offset, 0, _pageTexts[index].Length)
                : Text.Length;

        /// <summary>Appends the spans of stream range [start, end), one per page part that is not empty.</summary>
        public void AddSpans(int start, int end, List<SourceSpan> spans)
        {
            var index = Array.BinarySearch(_pageStarts, start);
            index = index < 0 ? ~index - 1 : LastWithStart(index);
            for (; index < _pageStarts.Length && _pageStarts[index] < end; index++)
            {
                var pageStart = _pageStarts[index];
                var pageEnd = pageStart + _pageTexts[index].Length;
                var from = Math.Max(start, pageStart);
                var to = Math.Min(end, pageEnd);
                if (to > from)
                {
                    spans.Add(new SourceSpan(_pageNumbers[index], from - pageStart, to - pageStart));
                }
            }
        }

        /// <summary>Empty pages share their start with the next page; the last of equal starts is the one with text.</summary>
        private int LastWithStart(int index)
        {
            while (index + 1 < _pageStarts.Length && _pageStarts[index + 1] == _pageStarts[index])
            {
                index++;
            }

            return index;
        }
    }

    /// <summary>
    /// Whitespace-separated words of the stream (the units chunks are made of) with their token counts, running
    /// totals, and the quality of the boundary before each.
    /// </summary>
    private sealed class Units
    {
        private static readonly HashSet<string> _abbreviations = new(StringComparer.OrdinalIgnoreCase)
        {
            "mr.", "mrs.", "ms.", "dr.", "prof.", "vs.", "cf.", "fig.", "figs.", "no.", "nos.", "vol.", "pp.", "p.",
            "sec.", "ch.", "eq.", "approx.", "st.", "jr.", "sr.", "inc.", "ltd.", "e.g.", "i.e.", "etc.", "al.",
        };

        public int Count => Start.Length;

        public required int[] Start { get; init; }

        public required int[] End { get; init; }

        /// <summary>Cumulative[i] is the token count of units [0, i); it has Count + 1 entries.</summary>
        public required int[] Cumulative { get; init; }

        /// <summary>Quality[i] is the boundary before unit i; Quality[Count] is the end of the text.</summary>
        public required Boundary[] Quality { get; init; }

        public static Units Create(TextStream stream, ExtractedDocument document, int maxUnitTokens)
        {
            var text = stream.Text;
            var starts = new List<int>();
            var ends = new List<int>();
            var tokens = new List<int>();
            for (var i = 0; i < text.Length;)
            {
                if (char.IsWhiteSpace(text[i]))
                {
                    i++;
                    continue;
                }

                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]))
                {
                    i++;
                }

                AddWord(text, start, i, maxUnitTokens, starts, ends, tokens);
            }

            var count = starts.Count;
            var cumulative = new int[count + 1];
            for (var u = 0; u < count; u++)
            {
                cumulative[u + 1] = cumulative[u] + tokens[u];
            }

            var units = new Units { Start = [.. starts], End = [.. ends], Cumulative = cumulative, Quality = new Boundary[count + 1] };
            units.ClassifyBoundaries(stream, document);
            return units;
        }

        /// <summary>The first unit starting at or after stream position <paramref name="position"/>.</summary>
        public int IndexAtOrAfter(int position)
        {
            var index = Array.BinarySearch(Start, position);
            return index < 0 ? ~index : index;
        }

        private static void AddWord(string text, int start, int end, int maxTokens, List<int> starts, List<int> ends, List<int> tokens)
        {
            // Every character of a word costs at least 1/CharactersPerWordPiece token, so a piece within the limit is at
            // most this long: longer remainders are cut without counting them, and the search for a cut never looks
            // further (counting the whole remainder at every cut made a word of megabytes take minutes).
            var longest = (long)maxTokens * TokenCounter.CharactersPerWordPiece;
            while (true)
            {
                if (end - start <= longest)
                {
                    var count = TokenCounter.Count(text.AsSpan(start, end - start));
                    if (count <= maxTokens)
                    {
                        starts.Add(start);
                        ends.Add(end);
                        tokens.Add(count);
                        return;
                    }
                }

                // A "word" longer than half a chunk (an inline blob, a huge URL) is cut: the longest prefix within the
                // limit, never between the halves of a surrogate pair.
                int low = start + 1, high = (int)Math.Min(end - 1, start + longest);
                while (low < high)
                {
                    var mid = (low + high + 1) / 2;
                    if (TokenCounter.Count(text.AsSpan(start, mid - start)) <= maxTokens)
                    {
                        low = mid;
                    }
                    else
                    {
                        high = mid - 1;
                    }
                }

                var cut = char.IsLowSurrogate(text[low]) && low > start + 1 ? low - 1 : low;
                starts.Add(start);
                ends.Add(cut);
                tokens.Add(TokenCounter.Count(text.AsSpan(start, cut - start)));
                start = cut;
            }
        }

        private void ClassifyBoundaries(TextStream stream, ExtractedDocument document)
        {
            var text = stream.Text;
            var insideCode = new bool[Count];
            foreach (var block in document.Blocks)
            {
                var blockStart = stream.Position(block.Page, block.Start);
                var blockEnd = stream.Position(block.Page, block.End);
                Raise(IndexAtOrAfter(blockStart), Boundary.Paragraph);
                Raise(IndexAtOrAfter(blockEnd), Boundary.Paragraph);
                if (block.Kind == TextBlockKind.Code)
                {
                    for (var u = IndexAtOrAfter(blockStart) + 1; u < Count && Start[u] < blockEnd; u++)
                    {
                        insideCode[u] = true;
                    }
                }
            }

            for (var u = 1; u < Count; u++)
            {
                var newlines = text.AsSpan(End[u - 1], Start[u] - End[u - 1]).Count('\n');
                var quality = newlines >= 2 ? Boundary.Paragraph : newlines == 1 ? Boundary.Line : End[u - 1] == Start[u] ? Boundary.None : Boundary.Word;
                if (quality is Boundary.Word or Boundary.Line && !insideCode[u] && EndsSentence(text, u))
                {
                    quality = Boundary.Sentence;
                }

                Raise(u, quality);
            }

            foreach (var table in document.Tables)
            {
                foreach (var row in table.Rows)
                {
                    Raise(IndexAtOrAfter(stream.Position(table.Page, row.Start)), Boundary.Paragraph);
                }

                Raise(IndexAtOrAfter(stream.Position(table.Page, table.End)), Boundary.Paragraph);
            }

            foreach (var heading in document.Headings)
            {
                Raise(IndexAtOrAfter(stream.Position(heading.Page, heading.Offset)), Boundary.Section);
            }

            Quality[0] = Boundary.None;
            Quality[Count] = Boundary.Section;
        }

        private void Raise(int unit, Boundary quality)
        {
            if (unit < Quality.Length && Quality[unit] < quality)
            {
                Quality[unit] = quality;
            }
        }

        /// <summary>Unit u-1 ends a sentence and unit u starts one: "… end." / "Next …".</summary>
        private bool EndsSentence(string text, int u)
        {
            var previous = text.AsSpan(Start[u - 1], End[u - 1] - Start[u - 1]).TrimEnd("\"')]}’”»");
            if (previous.Length < 2 || previous[^1] is not ('.' or '!' or '?' or ':' or ';'))
            {
                return false;
            }

            if (previous[^1] == '.' && (_abbreviations.Contains(previous.ToString()) || IsInitials(previous)))
            {
                return false;
            }

            var next = text[Start[u]];
            return char.IsUpper(next) || char.IsDigit(next) || next is '"' or '\'' or '(' or '[' or '‘' or '“' or '«' or '>' or '-' or '•';
        }

        /// <summary>"A." or "U.S." — a sequence of single letters each followed by a period.</summary>
        private static bool IsInitials(ReadOnlySpan<char> word)
        {
            if (word.Length % 2 != 0)
            {
                return false;
            }

            for (var i = 0; i < word.Length; i += 2)
            {
                if (!char.IsLetter(word[i]) || word[i + 1] != '.')
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Table header rows, in stream positions, to repeat in chunks that start inside a table's body.</summary>
    private sealed class TableHeaders
    {
        private readonly List<Header> _headers;

        private TableHeaders(List<Header> headers) => _headers = headers;

        public static TableHeaders Create(TextStream stream, ExtractedDocument document, int maxTokens)
        {
            var headers = new List<Header>();
            foreach (var table in document.Tables)
            {
                if (table.HeaderRange is not { } range)
                {
                    continue;
                }

                var start = stream.Position(table.Page, range.Start);
                var end = stream.Position(table.Page, range.End);
                var tokens = TokenCounter.Count(stream.Text.AsSpan(start, end - start));
                if (tokens * 4 <= maxTokens)
                {
                    headers.Add(new Header(start, end, stream.Position(table.Page, table.End), tokens));
                }
            }

            return new TableHeaders(headers);
        }

        /// <summary>The header a chunk starting at <paramref name="position"/> repeats: it starts in the table, after the header.
        /// Headers larger than a quarter of a chunk are never repeated (they would crowd out the rows).</summary>
        public Header? HeaderToRepeat(int position) =>
            _headers.FirstOrDefault(h => position >= h.End && position < h.TableEnd);

        /// <summary>The header whose rows contain <paramref name="position"/> (not at their start), if any.</summary>
        public Header? HeaderContaining(int position) =>
            _headers.FirstOrDefault(h => position > h.Start && position < h.End);

        public sealed record Header(int Start, int End, int TableEnd, int Tokens);
    }

    /// <summary>
    /// The heading path in force where a chunk's text starts. Headings that open the chunk count as in force, so a chunk
    /// starting "2 Chapter\n2.1 Section\nText…" has the path "2 Chapter > 2.1 Section".
    /// </summary>
    private sealed class HeadingPaths
    {
        private readonly string _text;
        private readonly int[] _positions;
        private readonly string[] _paths;
        private readonly string _beforeFirst;

        public HeadingPaths(TextStream stream, ExtractedDocument document)
        {
            _text = stream.Text;
            var headings = document.Headings
                .Select(h => (Position: stream.Position(h.Page, h.Offset), Heading: h))
                .OrderBy(h => h.Position)
                .ToArray();
            _positions = [.. headings.Select(h => h.Position)];
            _paths = new string[headings.Length];
            var stack = new List<DocumentHeading>();
            for (var i = 0; i < headings.Length; i++)
            {
                var heading = headings[i].Heading;
                while (stack.Count > 0 && stack[^1].Level >= heading.Level)
                {
                    stack.RemoveAt(stack.Count - 1);
                }

                stack.Add(heading);
                _paths[i] = string.Join(HeadingPathSeparator, stack.Select(h => h.Title));
            }

            _beforeFirst = document.Metadata.Title?.Trim() ?? "";
        }

        /// <summary>
        /// The heading path of the text in [start, end): the path in force over the largest part of it. A chunk that opens
        /// with the last lines of one subsection and goes on into the next is labelled with the one it mostly holds.
        /// </summary>
        public string Over(int start, int end)
        {
            var first = Array.BinarySearch(_positions, start + 1);
            first = first < 0 ? ~first : first;
            var bestStart = start;
            var bestLength = -1;
            var from = start;
            for (var i = first; i <= _positions.Length; i++)
            {
                var to = i < _positions.Length ? Math.Min(_positions[i], end) : end;
                if (to - from > bestLength)
                {
                    (bestStart, bestLength) = (from, to - from);
                }

                if (i == _positions.Length || _positions[i] >= end)
                {
                    break;
                }

                from = _positions[i];
            }

            return At(bestStart);
        }

        public string At(int position)
        {
            // The last heading at or before the position…
            var index = Array.BinarySearch(_positions, position);
            index = index < 0 ? ~index - 1 : LastAt(index);

            // …then each heading that follows with only whitespace or heading lines in between.
            var cursor = index >= 0 ? Math.Max(position, EndOfLine(_positions[index])) : position;
            while (index + 1 < _positions.Length && IsBlank(cursor, _positions[index + 1]))
            {
                index = LastAt(index + 1);
                cursor = EndOfLine(_positions[index]);
            }

            return index >= 0 ? _paths[index] : _beforeFirst;
        }

        private int LastAt(int index)
        {
            while (index + 1 < _positions.Length && _positions[index + 1] == _positions[index])
            {
                index++;
            }

            return index;
        }

        private int EndOfLine(int position)
        {
            var end = _text.IndexOf('\n', position);
            return end < 0 ? _text.Length : end;
        }

        private bool IsBlank(int from, int to) => from >= to || _text.AsSpan(from, to - from).IsWhiteSpace();
    }
}
