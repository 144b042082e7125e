using System.Buffers;
using System.Globalization;
using System.Text;

namespace AgentRag.Retrieval.Analysis;

/// <summary>
/// Word tokenization following the Unicode word-break rules (UAX #29) the way Lucene's <c>StandardTokenizer</c>
/// applies them: a token is a run of letters and digits, which may contain
/// <list type="bullet">
/// <item>between letters: ' . : · and the other MidLetter/MidNumLet characters ("o'neil", "e.g", "u.s");</item>
/// <item>between digits: , . ; ' and the other MidNum/MidNumLet characters ("3.14", "1,000");</item>
/// <item>underscores (ExtendNumLet) anywhere adjacent to a word character ("snake_case");</item>
/// <item>combining marks and format characters, which never break a word (WB4).</item>
/// </list>
/// Hyphens, slashes and other punctuation split words. Han ideographs and Hiragana become one token per
/// character and Katakana runs one token, as in Lucene. Runs without any letter or digit are not tokens.
/// Tokens longer than <see cref="MaxTokenLength"/> are split, as Lucene's tokenizer does.
/// Stateless and thread-safe; allocation-free.
/// </summary>
public static class StandardTokenizer
{
    /// <summary>Lucene's default maximum token length.</summary>
    public const int MaxTokenLength = 255;

    /// <summary>Word-break classes, reduced to those the rules need.</summary>
    internal enum WordClass : byte
    {
        Other,
        Letter,
        Numeric,
        ExtendNumLet,
        MidLetter,
        MidNumLet,
        MidNum,
        Extend,
        Ideographic,
        Hiragana,
        Katakana,
    }

    private static readonly WordClass[] AsciiClasses = BuildAsciiClasses();

    private static WordClass[] BuildAsciiClasses()
    {
        var classes = new WordClass[128];
        for (var c = 'a'; c <= 'z'; c++)
        {
            classes[c] = WordClass.Letter;
            classes[char.ToUpperInvariant(c)] = WordClass.Letter;
        }

        for (var c = '0'; c <= '9'; c++)
        {
            classes[c] = WordClass.Numeric;
        }

        classes['_'] = WordClass.ExtendNumLet;
        classes[':'] = WordClass.MidLetter;
        classes['.'] = WordClass.MidNumLet;
        classes['\''] = WordClass.MidNumLet; // Single_Quote behaves as MidNumLet outside Hebrew.
        classes[','] = WordClass.MidNum;
        classes[';'] = WordClass.MidNum;
        return classes;
    }

    /// <summary>Calls <paramref name="onToken"/> with (start, length) of each token of <paramref name="text"/>, in order.</summary>
    public static void Tokenize<TConsumer>(ReadOnlySpan<char> text, ref TConsumer onToken)
        where TConsumer : ITokenConsumer, allows ref struct
    {
        var i = 0;
        while (i < text.Length)
        {
            var cls = Classify(text, i, out var width);
            switch (cls)
            {
                case WordClass.Letter or WordClass.Numeric or WordClass.ExtendNumLet or WordClass.Katakana:
                    var end = ScanWord(text, i, cls, out var hasWordChar);
                    if (hasWordChar)
                    {
                        Emit(text, i, end, ref onToken);
                    }

                    i = end;
                    break;
                case WordClass.Ideographic or WordClass.Hiragana:
                    var single = SkipExtend(text, i + width);
                    onToken.OnToken(i, single - i);
                    i = single;
                    break;
                default:
                    i += width;
                    break;
            }
        }
    }

    private static void Emit<TConsumer>(ReadOnlySpan<char> text, int start, int end, ref TConsumer onToken)
        where TConsumer : ITokenConsumer, allows ref struct
    {
        while (end - start > MaxTokenLength)
        {
            var cut = start + MaxTokenLength;
            if (char.IsHighSurrogate(text[cut - 1]))
            {
                cut--;
            }

            onToken.OnToken(start, cut - start);
            start = cut;
        }

        onToken.OnToken(start, end - start);
    }

    /// <summary>Returns the end of the word that starts at <paramref name="start"/> with class <paramref name="first"/>.</summary>
    private static int ScanWord(ReadOnlySpan<char> text, int start, WordClass first, out bool hasWordChar)
    {
        var last = first;
        hasWordChar = first != WordClass.ExtendNumLet;
        var i = SkipExtend(text, start + Width(text, start));
        while (i < text.Length)
        {
            var next = Classify(text, i, out var width);
            var afterNext = SkipExtend(text, i + width);
            if (Joins(last, next))
            {
                last = next;
                hasWordChar |= next != WordClass.ExtendNumLet;
                i = afterNext;
                continue;
            }

            // WB6/7 and WB11/12: a single middle character joins two letters or two digits.
            if (afterNext < text.Length && IsMiddle(last, next))
            {
                var third = Classify(text, afterNext, out var thirdWidth);
                if (third == last)
                {
                    i = SkipExtend(text, afterNext + thirdWidth);
                    continue;
                }
            }

            // A trailing underscore run with nothing after it stays out, unless it is followed by a word character.
            break;
        }

        return i;
    }

    private static bool Joins(WordClass last, WordClass next) => (last, next) switch
    {
        (WordClass.Letter or WordClass.Numeric, WordClass.Letter or WordClass.Numeric) => true, // WB5, WB8-10
        (WordClass.Letter or WordClass.Numeric or WordClass.Katakana or WordClass.ExtendNumLet, WordClass.ExtendNumLet) => true, // WB13a
        (WordClass.ExtendNumLet, WordClass.Letter or WordClass.Numeric or WordClass.Katakana) => true, // WB13b
        (WordClass.Katakana, WordClass.Katakana) => true, // WB13
        _ => false,
    };

    private static bool IsMiddle(WordClass last, WordClass middle) => last switch
    {
        WordClass.Letter => middle is WordClass.MidLetter or WordClass.MidNumLet,
        WordClass.Numeric => middle is WordClass.MidNum or WordClass.MidNumLet,
        _ => false,
    };

    private static int SkipExtend(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length)
        {
            var c = text[i];
            if (c < 0x300 && c != 0xAD)
            {
                return i; // Below U+0300 only the soft hyphen is a format character.
            }

            if (Classify(text, i, out var width) != WordClass.Extend)
            {
                return i;
            }

            i += width;
        }

        return i;
    }

    private static int Width(ReadOnlySpan<char> text, int i) =>
        char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;

    internal static WordClass Classify(ReadOnlySpan<char> text, int i, out int width)
    {
        var c = text[i];
        if (c < 128)
        {
            width = 1;
            return AsciiClasses[c];
        }

        int codePoint;
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            width = 2;
            codePoint = char.ConvertToUtf32(c, text[i + 1]);
        }
        else
        {
            width = 1;
            codePoint = c;
        }

        return ClassifyNonAscii(codePoint);
    }

    private static WordClass ClassifyNonAscii(int codePoint)
    {
        switch (codePoint)
        {
            case 0x00B7 or 0x0387 or 0x05F4 or 0x2027 or 0xFE13 or 0xFE55 or 0xFF1A:
                return WordClass.MidLetter;
            case 0x2018 or 0x2019 or 0x2024 or 0xFE52 or 0xFF07 or 0xFF0E:
                return WordClass.MidNumLet;
            case 0x037E or 0x0589 or 0x060C or 0x060D or 0x066C or 0x07F8 or 0x2044 or 0xFE10 or 0xFE14 or 0xFE50
                or 0xFE54 or 0xFF0C or 0xFF1B:
                return WordClass.MidNum;
            case 0x00AD or 0x200C or 0x200D:
                return WordClass.Extend;
            case >= 0x3041 and <= 0x309F:
                return WordClass.Hiragana;
            case (>= 0x30A0 and <= 0x30FF) or (>= 0x31F0 and <= 0x31FF) or (>= 0xFF66 and <= 0xFF9D):
                return WordClass.Katakana;
            case (>= 0x3400 and <= 0x4DBF) or (>= 0x4E00 and <= 0x9FFF) or (>= 0xF900 and <= 0xFAFF)
                or (>= 0x20000 and <= 0x3FFFF) or 0x3005 or 0x3007 or (>= 0x3021 and <= 0x3029):
                return WordClass.Ideographic;
        }

        var category = codePoint <= 0xFFFF
            ? CharUnicodeInfo.GetUnicodeCategory((char)codePoint)
            : CharUnicodeInfo.GetUnicodeCategory(codePoint);
        return category switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.LetterNumber
                => WordClass.Letter,
            UnicodeCategory.DecimalDigitNumber => WordClass.Numeric,
            UnicodeCategory.ConnectorPunctuation => WordClass.ExtendNumLet,
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                or UnicodeCategory.Format => WordClass.Extend,
            _ => WordClass.Other,
        };
    }
}

/// <summary>Receives token boundaries from <see cref="StandardTokenizer"/>.</summary>
public interface ITokenConsumer
{
    void OnToken(int start, int length);
}

/// <summary>Runes are only needed for the rare supplementary-plane lower-casing.</summary>
internal static class RuneCasing
{
    public static int LowerInto(ReadOnlySpan<char> source, Span<char> destination)
    {
        var written = 0;
        var i = 0;
        while (i < source.Length)
        {
            var c = source[i];
            if (c < 128)
            {
                destination[written++] = (uint)(c - 'A') <= 'Z' - 'A' ? (char)(c | 0x20) : c;
                i++;
                continue;
            }

            if (Rune.DecodeFromUtf16(source[i..], out var rune, out var consumed) == OperationStatus.Done)
            {
                written += Rune.ToLowerInvariant(rune).EncodeToUtf16(destination[written..]);
                i += consumed;
            }
            else
            {
                destination[written++] = c;
                i++;
            }
        }

        return written;
    }
}
