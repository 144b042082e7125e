using System.Globalization;

namespace AgentRag.Ingestion.Chunking;

/// <summary>
/// The project's one definition of a token: a deterministic, allocation-free estimate of what a byte-pair-encoding
/// tokenizer (such as OpenAI's cl100k) produces, used for chunk sizes and budgets. No model tokenizer can be shipped
/// here (see docs/adr/0003-chunking-rules.md), so the count follows how BPE vocabularies behave:
/// <list type="bullet">
///   <item>whitespace is free (BPE merges it into the next token);</item>
///   <item>a run of letters and digits costs one token per started 6 characters (common words are one token, long words split);</item>
///   <item>each CJK character (Han, kana, Hangul) costs one token;</item>
///   <item>every other character (punctuation, symbols, each half of a surrogate pair) costs one token.</item>
/// </list>
/// English prose comes out at about 1.3–1.4 tokens per word, close to cl100k and slightly above it on symbols, so
/// a chunk within budget here fits a model's budget too. Thread-safe (stateless).
/// </summary>
public static class TokenCounter
{
    /// <summary>Characters of a letter-or-digit run that make one token.</summary>
    public const int CharactersPerWordPiece = 6;

    public static int Count(ReadOnlySpan<char> text)
    {
        var tokens = 0;
        var run = 0;
        foreach (var c in text)
        {
            if (IsWordCharacter(c))
            {
                run++;
                continue;
            }

            tokens += WordPieces(run);
            run = 0;
            if (!char.IsWhiteSpace(c))
            {
                tokens++;
            }
        }

        return tokens + WordPieces(run);
    }

    public static int Count(string text) => Count(text.AsSpan());

    private static int WordPieces(int run) => (run + CharactersPerWordPiece - 1) / CharactersPerWordPiece;

    private static bool IsWordCharacter(char c)
    {
        if (c < 0x80)
        {
            return char.IsAsciiLetterOrDigit(c);
        }

        if (IsCjk(c))
        {
            return false;
        }

        return char.IsLetterOrDigit(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;
    }

    private static bool IsCjk(char c) =>
        c is (>= '\u3040' and <= '\u30FF') // Hiragana, Katakana
            or (>= '\u3400' and <= '\u4DBF') // CJK Extension A
            or (>= '\u4E00' and <= '\u9FFF') // CJK Unified Ideographs
            or (>= '\uAC00' and <= '\uD7AF') // Hangul syllables
            or (>= '\uF900' and <= '\uFAFF'); // CJK Compatibility Ideographs
}
