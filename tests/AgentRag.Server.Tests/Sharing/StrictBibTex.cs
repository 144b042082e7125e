using System.Text;

namespace AgentRag.Server.Tests.Sharing;

/// <summary>
/// A strict BibTeX reader for the export tests: <c>%</c> comment lines between entries, and entries
/// <c>@type{key, name = {value}, …}</c> whose values are brace-delimited with balanced braces, where a backslash starts
/// only a known escape (<c>\{ \} \&amp; \% \$ \# \_</c> or a <c>\text…{}</c> command). Anything else throws
/// <see cref="FormatException"/> with the offset, so an export that a reference manager would misread fails the test.
/// </summary>
internal static class StrictBibTex
{
    public sealed record Entry(string Type, string Key, IReadOnlyDictionary<string, string> Fields);

    private static readonly string[] Commands = [@"\textbackslash{}", @"\textasciitilde{}", @"\textasciicircum{}"];

    public static IReadOnlyList<Entry> Parse(string text)
    {
        var entries = new List<Entry>();
        var i = 0;
        while (true)
        {
            SkipSpaceAndComments(text, ref i);
            if (i == text.Length)
            {
                return entries;
            }

            Expect(text, ref i, '@');
            var type = Identifier(text, ref i);
            Expect(text, ref i, '{');
            var key = Identifier(text, ref i, extra: ":-_");
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            SkipSpace(text, ref i);
            while (Peek(text, i) == ',')
            {
                i++;
                SkipSpace(text, ref i);
                if (Peek(text, i) == '}')
                {
                    break;
                }

                var name = Identifier(text, ref i);
                SkipSpace(text, ref i);
                Expect(text, ref i, '=');
                SkipSpace(text, ref i);
                if (!fields.TryAdd(name, Value(text, ref i)))
                {
                    throw new FormatException($"Field '{name}' repeats in entry '{key}' (offset {i}).");
                }

                SkipSpace(text, ref i);
            }

            Expect(text, ref i, '}');
            entries.Add(new Entry(type, key, fields));
        }
    }

    private static string Value(string text, ref int i)
    {
        Expect(text, ref i, '{');
        var value = new StringBuilder();
        var depth = 0;
        while (true)
        {
            var c = Peek(text, i) ?? throw new FormatException($"A value is not closed (offset {i}).");
            if (c == '\\')
            {
                var at = i;
                var command = Commands.FirstOrDefault(k => string.CompareOrdinal(text, at, k, 0, k.Length) == 0);
                var escape = command ?? (i + 1 < text.Length && "{}&%$#_".Contains(text[i + 1]) ? text.Substring(i, 2) : null);
                if (escape is null)
                {
                    throw new FormatException($"Unknown escape at offset {i}: '{text.Substring(i, Math.Min(8, text.Length - i))}'.");
                }

                value.Append(escape);
                i += escape.Length;
                continue;
            }

            if (c is '&' or '%' or '$' or '#' or '_' or '~' or '^')
            {
                throw new FormatException($"Unescaped '{c}' at offset {i}.");
            }

            if (c == '\n' || c == '\r')
            {
                throw new FormatException($"A line break inside a value at offset {i}.");
            }

            i++;
            if (c == '{')
            {
                depth++;
            }
            else if (c == '}')
            {
                if (depth-- == 0)
                {
                    return value.ToString();
                }
            }

            value.Append(c);
        }
    }

    private static string Identifier(string text, ref int i, string extra = "")
    {
        var start = i;
        while (Peek(text, i) is { } c && (char.IsAsciiLetterOrDigit(c) || extra.Contains(c)))
        {
            i++;
        }

        return i > start ? text[start..i] : throw new FormatException($"An identifier is expected at offset {start}.");
    }

    private static void SkipSpaceAndComments(string text, ref int i)
    {
        while (true)
        {
            SkipSpace(text, ref i);
            if (Peek(text, i) != '%')
            {
                return;
            }

            while (Peek(text, i) is { } c && c != '\n')
            {
                i++;
            }
        }
    }

    private static void SkipSpace(string text, ref int i)
    {
        while (Peek(text, i) is { } c && char.IsWhiteSpace(c))
        {
            i++;
        }
    }

    private static void Expect(string text, ref int i, char expected)
    {
        if (Peek(text, i) != expected)
        {
            throw new FormatException($"'{expected}' is expected at offset {i}; found '{Peek(text, i)}'.");
        }

        i++;
    }

    private static char? Peek(string text, int i) => i < text.Length ? text[i] : null;
}
