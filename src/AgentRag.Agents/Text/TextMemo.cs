using System.Collections.Concurrent;

namespace AgentRag.Agents.Text;

/// <summary>
/// Memoizes a pure function of a text, keyed by the text itself (so a changed text is a different key and a result is
/// never stale). Bounded: once the keys it holds reach <c>maxCharacters</c> in total it starts over, and the texts
/// current queries use (the passages they retrieve) fill it again. Results are shared between callers, who must not
/// modify them. Thread-safe; two callers racing on a new text may both compute it.
/// </summary>
internal sealed class TextMemo<TValue>(Func<string, TValue> compute, long maxCharacters)
{
    /// <summary>What an entry costs beyond its key's characters, so that many short texts also reach the bound.</summary>
    private const int EntryOverhead = 64;

    private readonly ConcurrentDictionary<string, TValue> _values = new(StringComparer.Ordinal);
    private long _characters;

    public TValue Get(string text)
    {
        if (_values.TryGetValue(text, out var value))
        {
            return value;
        }

        value = compute(text);
        if (Interlocked.Add(ref _characters, text.Length + EntryOverhead) > maxCharacters)
        {
            _values.Clear();
            Interlocked.Exchange(ref _characters, text.Length + EntryOverhead);
        }

        _values.TryAdd(text, value);
        return value;
    }
}
