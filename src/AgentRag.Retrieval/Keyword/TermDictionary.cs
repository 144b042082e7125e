using System.Collections;

namespace AgentRag.Retrieval.Keyword;

/// <summary>
/// The index's vocabulary: term text to a dense id (0, 1, 2, … in the order terms were first added) and back.
/// Lookups by span are the indexing hot path (one per token), so the table is laid out for the cache rather than
/// built on <see cref="Dictionary{TKey, TValue}"/>, whose lookup follows a bucket, an entry and a string object:
/// open addressing with linear probing over one array of (hash, id, text offset) slots, the text kept in one char
/// arena as (length, chars). A hit reads one slot (neighbouring probes share its cache line) and the arena; a miss
/// usually only the slot. Hashes are the process's randomized string hashes, so crafted text cannot force
/// collisions, and are never persisted. Not thread-safe: the owning <see cref="Bm25Index"/> serializes writers.
/// </summary>
internal sealed class TermDictionary : IReadOnlyList<string>
{
    private const int SlotWidth = 3;
    private const int MaxLoadPercent = 50;

    private readonly List<string> _terms = [];

    // Per slot: hash, id + 1 (0 = empty), offset of (length, chars) in the arena.
    private int[] _slots = new int[16 * SlotWidth];
    private int _mask = 15;
    private char[] _arena = new char[256];
    private int _arenaLength;

    /// <summary>Distinct terms.</summary>
    public int Count => _terms.Count;

    /// <summary>Approximate heap bytes held: the slots, the arena and the term strings.</summary>
    public long MemoryBytes
    {
        get
        {
            long bytes = (_slots.Length * 4L) + (_arena.Length * 2L);
            foreach (var term in _terms)
            {
                bytes += 24 + (term.Length * 2) + 8;
            }

            return bytes;
        }
    }

    /// <summary>The text of term <paramref name="id"/>.</summary>
    public string this[int id] => _terms[id];

    /// <summary>The id of <paramref name="term"/>, when it is in the vocabulary.</summary>
    public bool TryGetId(ReadOnlySpan<char> term, out int id)
    {
        var slot = FindSlot(term, string.GetHashCode(term));
        id = _slots[(slot * SlotWidth) + 1] - 1;
        return id >= 0;
    }

    /// <summary>The id of <paramref name="term"/>, adding it (as a new string) when it is not in the vocabulary yet.</summary>
    public int GetOrAdd(ReadOnlySpan<char> term, out bool added)
    {
        var hash = string.GetHashCode(term);
        var slot = FindSlot(term, hash);
        var stored = _slots[(slot * SlotWidth) + 1];
        added = stored == 0;
        return added ? Insert(slot, hash, term, term.ToString()) : stored - 1;
    }

    /// <summary>Adds <paramref name="term"/> (keeping this string instance) and returns its id.</summary>
    /// <exception cref="ArgumentException">The term is already in the vocabulary.</exception>
    public int Add(string term)
    {
        ArgumentNullException.ThrowIfNull(term);
        var hash = string.GetHashCode(term.AsSpan());
        var slot = FindSlot(term, hash);
        if (_slots[(slot * SlotWidth) + 1] != 0)
        {
            throw new ArgumentException($"The term '{term}' is already in the vocabulary.", nameof(term));
        }

        return Insert(slot, hash, term, term);
    }

    public IEnumerator<string> GetEnumerator() => _terms.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The slot holding <paramref name="term"/>, or the empty slot where it would go.</summary>
    private int FindSlot(ReadOnlySpan<char> term, int hash)
    {
        var slots = _slots;
        var slot = hash & _mask;
        while (true)
        {
            var at = slot * SlotWidth;
            if (slots[at + 1] == 0 || (slots[at] == hash && Matches(slots[at + 2], term)))
            {
                return slot;
            }

            slot = (slot + 1) & _mask;
        }
    }

    private bool Matches(int offset, ReadOnlySpan<char> term) =>
        _arena[offset] == term.Length && _arena.AsSpan(offset + 1, term.Length).SequenceEqual(term);

    private int Insert(int slot, int hash, ReadOnlySpan<char> text, string term)
    {
        if (text.Length > char.MaxValue)
        {
            throw new ArgumentException($"A term of {text.Length} characters is longer than {char.MaxValue}.", nameof(text));
        }

        var id = _terms.Count;
        _terms.Add(term);
        var offset = AppendToArena(text);
        var at = slot * SlotWidth;
        _slots[at] = hash;
        _slots[at + 1] = id + 1;
        _slots[at + 2] = offset;
        if ((long)_terms.Count * 100 > (long)(_mask + 1) * MaxLoadPercent)
        {
            Grow();
        }

        return id;
    }

    private int AppendToArena(ReadOnlySpan<char> text)
    {
        var needed = _arenaLength + 1 + text.Length;
        if (needed > _arena.Length)
        {
            Array.Resize(ref _arena, (int)Math.Min(Array.MaxLength, Math.Max(needed, _arena.Length * 2L)));
        }

        var offset = _arenaLength;
        _arena[offset] = (char)text.Length;
        text.CopyTo(_arena.AsSpan(offset + 1));
        _arenaLength = needed;
        return offset;
    }

    /// <summary>Doubles the table and re-places every slot by its stored hash (no text is re-hashed or compared).</summary>
    private void Grow()
    {
        var old = _slots;
        var capacity = (_mask + 1) * 2;
        _slots = new int[capacity * SlotWidth];
        _mask = capacity - 1;
        for (var at = 0; at < old.Length; at += SlotWidth)
        {
            if (old[at + 1] == 0)
            {
                continue;
            }

            var slot = old[at] & _mask;
            while (_slots[(slot * SlotWidth) + 1] != 0)
            {
                slot = (slot + 1) & _mask;
            }

            old.AsSpan(at, SlotWidth).CopyTo(_slots.AsSpan(slot * SlotWidth));
        }
    }
}
