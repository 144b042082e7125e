using System.Text;
using System.Text.RegularExpressions;

namespace AgentRag.Agents.Text;

/// <summary>
/// Splits extracted document text into sentences with their offsets. Extracted text breaks lines where the layout
/// did, so lines are joined; a sentence ends at '.', '!' or '?' followed by whitespace and a capital, digit, quote or
/// bracket (not after a common abbreviation), at a blank line, and around headings (short numbered lines without
/// final punctuation) and code lines (command prompts, indented symbol-heavy lines), which become their own
/// segments. A sentence that a displayed code line interrupts ("The function sink, / &gt; sink("record.lis") / will
/// divert all output…": the text before the code ends without a terminator, the text after starts in lower case) is
/// one sentence with the code in it, so the sentence keeps its subject. A list item ("- ", "* ", "• ") starts a
/// sentence. Thread-safe.
/// </summary>
public static partial class SentenceSplitter
{
    private static readonly HashSet<string> Abbreviations = new(StringComparer.OrdinalIgnoreCase)
    {
        "e.g", "i.e", "etc", "vs", "cf", "fig", "figs", "p", "pp", "no", "vol", "sec", "ch", "eq", "approx", "mr", "mrs", "dr",
        "st", "al", "ed", "eds", "resp", "incl", "esp",
    };

    public static IReadOnlyList<TextSegment> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var segments = new List<TextSegment>();
        var proseStart = -1;
        var proseEnd = -1;
        var position = 0;
        while (position < text.Length)
        {
            var lineEnd = text.IndexOf('\n', position);
            if (lineEnd < 0)
            {
                lineEnd = text.Length;
            }

            var line = text.AsSpan(position, lineEnd - position);
            var trimmed = line.Trim();
            var kind = trimmed.Length == 0 ? (SegmentKind?)null : Classify(trimmed.ToString(), line);
            if (kind is SegmentKind.Code && proseStart >= 0 && !EndsSentence(text[proseStart..proseEnd]) && ProseContinuesAfterCode(text, lineEnd + 1))
            {
                kind = SegmentKind.Sentence;
            }

            if (kind is null or SegmentKind.Heading or SegmentKind.Code)
            {
                FlushProse(text, proseStart, proseEnd, segments);
                proseStart = -1;
                if (kind is { } k)
                {
                    var start = position + (line.Length - line.TrimStart().Length);
                    segments.Add(new TextSegment(Collapse(trimmed.ToString()), start, start + trimmed.Length, k));
                }
            }
            else
            {
                if (proseStart >= 0 && IsListItem(trimmed))
                {
                    // A list item ("- 13 Unfinished Top-Level Await: …") is a statement of its own, not the end of the
                    // sentence above it.
                    FlushProse(text, proseStart, proseEnd, segments);
                    proseStart = -1;
                }

                if (proseStart < 0)
                {
                    proseStart = position + (line.Length - line.TrimStart().Length);
                }

                proseEnd = position + line.TrimEnd().Length;
            }

            position = lineEnd + 1;
        }

        FlushProse(text, proseStart, proseEnd, segments);
        return segments;
    }

    private static SegmentKind Classify(string trimmed, ReadOnlySpan<char> line)
    {
        if (trimmed.StartsWith("> ", StringComparison.Ordinal) || trimmed.StartsWith("$ ", StringComparison.Ordinal)
            || trimmed.StartsWith("+ ", StringComparison.Ordinal) || trimmed.StartsWith("gnuplot>", StringComparison.Ordinal))
        {
            return SegmentKind.Code;
        }

        var letters = trimmed.Count(char.IsLetter);
        if (trimmed.Length >= 8 && letters < trimmed.Length * 0.45)
        {
            return SegmentKind.Code;
        }

        var indent = line.Length - line.TrimStart().Length;
        if (indent >= 6 && (trimmed.Contains('(', StringComparison.Ordinal) || trimmed.Contains('=', StringComparison.Ordinal) || trimmed.Contains("<-", StringComparison.Ordinal))
            && !EndsSentence(trimmed))
        {
            return SegmentKind.Code;
        }

        if (trimmed.Length <= 80 && !EndsSentence(trimmed) && (NumberedHeading().IsMatch(trimmed) || ChapterHeading().IsMatch(trimmed)))
        {
            return SegmentKind.Heading;
        }

        return SegmentKind.Sentence;
    }

    /// <summary>
    /// True when, after the code lines starting at <paramref name="position"/>, the text goes on with a prose line that
    /// starts in lower case: the continuation of the sentence the code interrupted.
    /// </summary>
    private static bool ProseContinuesAfterCode(string text, int position)
    {
        while (position < text.Length)
        {
            var lineEnd = text.IndexOf('\n', position);
            if (lineEnd < 0)
            {
                lineEnd = text.Length;
            }

            var line = text.AsSpan(position, lineEnd - position);
            var trimmed = line.Trim().ToString();
            if (trimmed.Length == 0)
            {
                return false;
            }

            if (Classify(trimmed, line) != SegmentKind.Code)
            {
                return char.IsLower(trimmed[0]);
            }

            position = lineEnd + 1;
        }

        return false;
    }

    private static bool IsListItem(ReadOnlySpan<char> line) =>
        line.Length > 2 && line[0] is '-' or '*' or '•' or '–' && line[1] == ' ';

    private static bool EndsSentence(string text) => text.EndsWith('.') || text.EndsWith('?') || text.EndsWith('!') || text.EndsWith(':');

    private static void FlushProse(string text, int start, int end, List<TextSegment> segments)
    {
        if (start < 0 || end <= start)
        {
            return;
        }

        var sentenceStart = start;
        for (var i = start; i < end; i++)
        {
            var c = text[i];
            if (c is not ('.' or '!' or '?'))
            {
                continue;
            }

            // Include closing quotes and brackets after the terminator, and a footnote mark ("end to end.1 A number").
            var after = i + 1;
            while (after < end && text[after] is '"' or '\'' or '’' or '”' or ')')
            {
                after++;
            }

            if (after + 1 < end && char.IsDigit(text[after]) && (char.IsWhiteSpace(text[after + 1]) || (after + 2 < end && char.IsDigit(text[after + 1]) && char.IsWhiteSpace(text[after + 2]))))
            {
                after += char.IsDigit(text[after + 1]) ? 2 : 1;
            }

            if (after >= end)
            {
                break;
            }

            if (!char.IsWhiteSpace(text[after]))
            {
                continue;
            }

            var next = after;
            while (next < end && char.IsWhiteSpace(text[next]))
            {
                next++;
            }

            if (next >= end || !(char.IsUpper(text[next]) || char.IsDigit(text[next]) || text[next] is '"' or '“' or '‘' or '(' or '['))
            {
                continue;
            }

            if (c == '.' && IsAbbreviation(text, sentenceStart, i))
            {
                continue;
            }

            Add(text, sentenceStart, after, segments);
            sentenceStart = next;
        }

        Add(text, sentenceStart, end, segments);
    }

    private static bool IsAbbreviation(string text, int sentenceStart, int dot)
    {
        var wordStart = dot;
        while (wordStart > sentenceStart && !char.IsWhiteSpace(text[wordStart - 1]) && text[wordStart - 1] != '(')
        {
            wordStart--;
        }

        var word = text[wordStart..dot];
        return word.Length == 1 && char.IsUpper(word[0]) // an initial
            || Abbreviations.Contains(word.TrimStart('(', '[', '"'));
    }

    private static void Add(string text, int start, int end, List<TextSegment> segments)
    {
        while (end > start && char.IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        if (end > start)
        {
            segments.Add(new TextSegment(Collapse(text[start..end]), start, end, SegmentKind.Sentence));
        }
    }

    private static string Collapse(string text)
    {
        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space && builder.Length > 0)
            {
                builder.Append(' ');
            }

            space = false;
            builder.Append(c);
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"^(?:\d+(?:\.\d+)*\.?|[A-Z]\.\d+(?:\.\d+)*|Appendix\s+[A-Z])\s+\S")]
    private static partial Regex NumberedHeading();

    [GeneratedRegex(@"^(?:Chapter|CHAPTER|Section|SECTION|Part|PART)\s+\S+")]
    private static partial Regex ChapterHeading();
}
