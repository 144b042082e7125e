namespace AgentRag.Core.Documents;

/// <summary>
/// The contract between a <see cref="Chunk"/>'s text and its <see cref="Chunk.Spans"/>: the chunk's text is the
/// texts of its spans, in order, joined with <see cref="Separator"/>. A span is a range of one stored page
/// (see <see cref="DocumentPage"/>), so a phrase found in a chunk can be cited to its page and character range
/// without re-reading the page. See docs/adr/0003-chunking-rules.md.
/// </summary>
public static class ChunkSpans
{
    /// <summary>Joins consecutive span texts (a page break, or a repeated table header row before its body).</summary>
    public const char Separator = '\n';

    /// <summary>
    /// Rebuilds a chunk's text from stored page texts. Throws <see cref="ArgumentOutOfRangeException"/> when a span lies
    /// outside its page's text, and <see cref="KeyNotFoundException"/> when <paramref name="pageText"/> does not know a page.
    /// </summary>
    public static string Reconstruct(IReadOnlyList<SourceSpan> spans, Func<int, string> pageText)
    {
        ArgumentNullException.ThrowIfNull(spans);
        ArgumentNullException.ThrowIfNull(pageText);
        return string.Join(Separator, spans.Select(span =>
        {
            var text = pageText(span.Page);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(span.End, text.Length, nameof(spans));
            return text[span.Start..span.End];
        }));
    }

    /// <summary>
    /// Finds <paramref name="phrase"/> in the chunk's text and maps it to the stored page text. Runs of whitespace in the
    /// phrase match any run of whitespace in the chunk (text extracted from a PDF breaks lines where the layout did), and
    /// the comparison ignores case. When the phrase crosses from one span into the next (a page break), the result is
    /// the part on the span where the phrase starts. Returns false when the phrase is not in the chunk or is blank.
    /// </summary>
    public static bool TryLocate(Chunk chunk, string phrase, out SourceSpan span)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        span = default;
        if (string.IsNullOrWhiteSpace(phrase) || chunk.Spans.Count == 0)
        {
            return false;
        }

        if (!TryFind(chunk.Text, phrase, out var start, out var end))
        {
            return false;
        }

        var spanStartInText = 0;
        foreach (var candidate in chunk.Spans)
        {
            var spanEndInText = spanStartInText + candidate.Length;
            if (start < spanEndInText)
            {
                var localStart = candidate.Start + (start - spanStartInText);
                var localEnd = candidate.Start + (Math.Min(end, spanEndInText) - spanStartInText);
                span = new SourceSpan(candidate.Page, localStart, localEnd);
                return true;
            }

            spanStartInText = spanEndInText + 1; // the separator
        }

        return false;
    }

    /// <summary>Whitespace-tolerant, case-insensitive search; [start, end) in <paramref name="text"/>.</summary>
    private static bool TryFind(string text, string phrase, out int start, out int end)
    {
        var words = phrase.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        for (var from = 0; from <= text.Length - words[0].Length;)
        {
            var first = text.IndexOf(words[0], from, StringComparison.OrdinalIgnoreCase);
            if (first < 0)
            {
                break;
            }

            var position = first + words[0].Length;
            var matched = true;
            for (var w = 1; w < words.Length && matched; w++)
            {
                var afterWhitespace = position;
                while (afterWhitespace < text.Length && char.IsWhiteSpace(text[afterWhitespace]))
                {
                    afterWhitespace++;
                }

                matched = afterWhitespace > position
                    && afterWhitespace + words[w].Length <= text.Length
                    && string.Compare(text, afterWhitespace, words[w], 0, words[w].Length, StringComparison.OrdinalIgnoreCase) == 0;
                position = afterWhitespace + words[w].Length;
            }

            if (matched)
            {
                start = first;
                end = position;
                return true;
            }

            from = first + 1;
        }

        start = end = 0;
        return false;
    }
}
