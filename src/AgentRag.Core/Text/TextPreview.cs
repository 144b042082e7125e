namespace AgentRag.Core.Text;

/// <summary>Short previews of long text for messages, events and terminal output. Thread-safe.</summary>
public static class TextPreview
{
    /// <summary><paramref name="text"/> cut to at most <paramref name="maxLength"/> characters, ending in "…" when cut.</summary>
    public static string Shorten(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        return text.Length <= maxLength ? text : string.Concat(text.AsSpan(0, maxLength - 1), "…");
    }

    /// <summary><paramref name="text"/> on one line (line breaks become spaces, trimmed), then <see cref="Shorten"/>.</summary>
    public static string OneLine(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Shorten(text.ReplaceLineEndings(" ").Trim(), maxLength);
    }
}
