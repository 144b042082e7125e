using System.Runtime.InteropServices;
using AgentRag.Retrieval.Analysis;
using AgentRag.Retrieval.Query;

namespace AgentRag.Retrieval.Keyword;

/// <summary>
/// One tenant's in-memory BM25 inverted index over chunks, with Lucene's BM25 (<c>idf = ln(1 + (N − df + 0.5)/(df + 0.5))</c>,
/// <c>tf·(k1+1)</c>-free Lucene 8+ form), Anserini's analysis and top-k retrieval pruned with MaxScore and block
/// upper bounds, which returns exactly the exhaustive ranking (ties go to the earlier-indexed chunk).
/// Each chunk's term sequence is kept (compressed) for phrase checks, feedback and compaction.
/// Deletes take effect at once: statistics (N, average length, document frequencies) count live chunks only.
/// Thread-safe: searches run concurrently; writes are exclusive.
/// </summary>
public sealed partial class Bm25Index
{
    private readonly Lock _writeLock = new();
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly EnglishAnalyzer _analyzer = EnglishAnalyzer.Default;

    private TermDictionary _terms = new();
    private List<PostingList> _postings = [];

    // Per chunk ordinal.
    private string[] _chunkIds = new string[16];
    private int[] _chunkGroup = new int[16];
    private int[] _lengths = new int[16];
    private bool[] _deleted = new bool[16];
    private byte[] _norms = new byte[16];
    private int[] _forwardStart = new int[17];
    private byte[] _forward = new byte[1024];
    private int _chunkCount;

    private Dictionary<string, int> _chunkOrdinals = new(StringComparer.Ordinal);
    private Dictionary<string, int> _groupIds = new(StringComparer.Ordinal);
    private List<string> _groupNames = [];
    private List<List<int>> _groupChunks = [];

    private int _liveChunks;
    private int _liveNonEmpty;
    private long _liveTokens;
    private int _deletedCount;

    private readonly List<int> _scratchTerms = [];
    private readonly List<int> _scratchPositions = [];

    public Bm25Index(Bm25Options? options = null)
    {
        Options = options ?? new Bm25Options();
        Options.Validate();
    }

    public Bm25Options Options { get; }

    /// <summary>Live (not deleted) chunks.</summary>
    public int ChunkCount => _liveChunks;

    /// <summary>Distinct terms ever indexed (until the next compaction).</summary>
    public int TermCount => _terms.Count;

    /// <summary>Indexed tokens of live chunks (stopwords excluded).</summary>
    public long TokenCount => _liveTokens;

    /// <summary>True when a chunk with this id is live.</summary>
    public bool ContainsChunk(string chunkId)
    {
        _lock.EnterReadLock();
        try
        {
            return _chunkOrdinals.ContainsKey(chunkId);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Replaces all chunks of <paramref name="documentId"/> with <paramref name="chunks"/> (id, text) in one step:
    /// a concurrent search sees either the old or the new chunks. A chunk id already used by another document is
    /// moved to this one. Idempotent.
    /// </summary>
    public void ReplaceDocument(string documentId, IReadOnlyList<(string ChunkId, string Text)> chunks)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        ArgumentNullException.ThrowIfNull(chunks);
        lock (_writeLock)
        {
            _lock.EnterWriteLock();
            try
            {
                RemoveDocumentCore(documentId);
                foreach (var (chunkId, text) in chunks)
                {
                    ArgumentException.ThrowIfNullOrEmpty(chunkId);
                    if (_chunkOrdinals.TryGetValue(chunkId, out var existing))
                    {
                        DeleteOrdinal(existing);
                    }

                    AddCore(chunkId, documentId, text);
                }

                CompactIfNeeded();
            }
            finally
            {
                _lock.ExitWriteLock();
            }
        }
    }

    /// <summary>Deletes every chunk of the document; returns how many were live. Idempotent.</summary>
    public int RemoveDocument(string documentId)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        lock (_writeLock)
        {
            _lock.EnterWriteLock();
            try
            {
                var removed = RemoveDocumentCore(documentId);
                CompactIfNeeded();
                return removed;
            }
            finally
            {
                _lock.ExitWriteLock();
            }
        }
    }

    private int RemoveDocumentCore(string documentId)
    {
        if (!_groupIds.TryGetValue(documentId, out var group))
        {
            return 0;
        }

        var ordinals = _groupChunks[group];
        var removed = 0;
        foreach (var ordinal in ordinals)
        {
            if (!_deleted[ordinal])
            {
                DeleteOrdinal(ordinal);
                removed++;
            }
        }

        ordinals.Clear();
        return removed;
    }

    private void AddCore(string chunkId, string documentId, string text)
    {
        if (!_groupIds.TryGetValue(documentId, out var group))
        {
            group = _groupNames.Count;
            _groupIds.Add(documentId, group);
            _groupNames.Add(documentId);
            _groupChunks.Add([]);
        }

        _scratchTerms.Clear();
        _scratchPositions.Clear();
        var sink = new TermIdSink(this);
        _analyzer.Analyze(text.AsSpan(), ref sink);
        AddTermIds(chunkId, group, CollectionsMarshal.AsSpan(_scratchTerms), CollectionsMarshal.AsSpan(_scratchPositions));
    }

    /// <param name="positions">Token positions of the terms (ascending); gaps are removed stopwords.</param>
    private void AddTermIds(string chunkId, int group, ReadOnlySpan<int> termIds, ReadOnlySpan<int> positions)
    {
        var ordinal = _chunkCount;
        EnsureChunkCapacity(ordinal + 1);
        _chunkIds[ordinal] = chunkId;
        _chunkGroup[ordinal] = group;
        _lengths[ordinal] = termIds.Length;
        _norms[ordinal] = LengthNorms.LengthToByte(termIds.Length);
        _deleted[ordinal] = false;
        _chunkCount++;
        _chunkOrdinals[chunkId] = ordinal;
        _groupChunks[group].Add(ordinal);

        // Forward index: per term a varint of (term id << 1 | has-gap), then the gap when there is one.
        var start = _forwardStart[ordinal];
        var needed = start + (termIds.Length * 10);
        if (needed > _forward.Length)
        {
            Array.Resize(ref _forward, Math.Max(needed, (int)Math.Min(int.MaxValue - 64, _forward.Length * 3L / 2)));
        }

        var offset = start;
        var previous = -1;
        for (var i = 0; i < termIds.Length; i++)
        {
            var gap = positions[i] - previous - 1;
            previous = positions[i];
            offset += VarInt.Write(_forward.AsSpan(offset), ((uint)termIds[i] << 1) | (gap > 0 ? 1u : 0u));
            if (gap > 0)
            {
                offset += VarInt.Write(_forward.AsSpan(offset), (uint)gap);
            }
        }

        _forwardStart[ordinal + 1] = offset;

        // Postings: term frequencies from the sorted sequence.
        if (termIds.Length > 0)
        {
            Span<int> sorted = termIds.Length <= 1024 ? stackalloc int[termIds.Length] : new int[termIds.Length];
            termIds.CopyTo(sorted);
            sorted.Sort();
            var i = 0;
            while (i < sorted.Length)
            {
                var term = sorted[i];
                var j = i + 1;
                while (j < sorted.Length && sorted[j] == term)
                {
                    j++;
                }

                var list = _postings[term];
                list.Add(ordinal, j - i, termIds.Length);
                list.LiveDocFreq++;
                i = j;
            }

            _liveNonEmpty++;
        }

        _liveChunks++;
        _liveTokens += termIds.Length;
    }

    private void DeleteOrdinal(int ordinal)
    {
        _deleted[ordinal] = true;
        _chunkOrdinals.Remove(_chunkIds[ordinal]);
        _liveChunks--;
        _deletedCount++;
        var length = _lengths[ordinal];
        _liveTokens -= length;
        if (length > 0)
        {
            _liveNonEmpty--;
        }

        // Keep document frequencies exact for live chunks: decrement once per distinct term.
        Span<int> terms = length <= 1024 ? stackalloc int[length] : new int[length];
        ReadForward(ordinal, terms);
        terms.Sort();
        for (var i = 0; i < terms.Length; i++)
        {
            if (i == 0 || terms[i] != terms[i - 1])
            {
                _postings[terms[i]].LiveDocFreq--;
            }
        }
    }

    private void ReadForward(int ordinal, Span<int> destination) => ReadForward(ordinal, destination, []);

    /// <summary>Decodes the chunk's term ids and, when <paramref name="positions"/> is not empty, their positions.</summary>
    private void ReadForward(int ordinal, Span<int> terms, Span<int> positions)
    {
        var data = _forward.AsSpan(0, _forwardStart[ordinal + 1]);
        var offset = _forwardStart[ordinal];
        var position = -1;
        for (var i = 0; i < terms.Length; i++)
        {
            var value = VarInt.Read(data, ref offset);
            position += 1 + ((value & 1) != 0 ? (int)VarInt.Read(data, ref offset) : 0);
            terms[i] = (int)(value >> 1);
            if (!positions.IsEmpty)
            {
                positions[i] = position;
            }
        }
    }

    private void EnsureChunkCapacity(int count)
    {
        if (count <= _chunkIds.Length)
        {
            return;
        }

        var size = Math.Max(count, _chunkIds.Length * 2);
        Array.Resize(ref _chunkIds, size);
        Array.Resize(ref _chunkGroup, size);
        Array.Resize(ref _lengths, size);
        Array.Resize(ref _deleted, size);
        Array.Resize(ref _norms, size);
        Array.Resize(ref _forwardStart, size + 1);
    }

    private int GetOrAddTerm(ReadOnlySpan<char> term)
    {
        var id = _terms.GetOrAdd(term, out var added);
        if (added)
        {
            _postings.Add(new PostingList());
        }

        return id;
    }

    private struct TermIdSink(Bm25Index index) : ITermSink
    {
        public readonly void OnTerm(ReadOnlySpan<char> term, int position)
        {
            index._scratchTerms.Add(index.GetOrAddTerm(term));
            index._scratchPositions.Add(position);
        }
    }

    private void CompactIfNeeded()
    {
        if (_deletedCount > 0 && _deletedCount >= Options.CompactionRatio * _chunkCount)
        {
            CompactCore();
        }
    }

    /// <summary>Rewrites the postings without deleted chunks and unused terms. Searches wait meanwhile.</summary>
    public void Compact()
    {
        lock (_writeLock)
        {
            _lock.EnterWriteLock();
            try
            {
                CompactCore();
            }
            finally
            {
                _lock.ExitWriteLock();
            }
        }
    }

    private void CompactCore()
    {
        var oldTerms = _terms;
        var oldForward = _forward;
        var oldStarts = _forwardStart;
        var oldIds = _chunkIds;
        var oldGroups = _chunkGroup;
        var oldLengths = _lengths;
        var oldDeleted = _deleted;
        var oldCount = _chunkCount;
        var oldGroupNames = _groupNames;

        _terms = new TermDictionary();
        _postings = [];
        _chunkIds = new string[Math.Max(16, _liveChunks)];
        _chunkGroup = new int[_chunkIds.Length];
        _lengths = new int[_chunkIds.Length];
        _deleted = new bool[_chunkIds.Length];
        _norms = new byte[_chunkIds.Length];
        _forwardStart = new int[_chunkIds.Length + 1];
        _forward = new byte[Math.Max(1024, oldStarts[oldCount])];
        _chunkCount = 0;
        _chunkOrdinals = new Dictionary<string, int>(StringComparer.Ordinal);
        _groupIds = new Dictionary<string, int>(StringComparer.Ordinal);
        _groupNames = [];
        _groupChunks = [];
        _liveChunks = 0;
        _liveNonEmpty = 0;
        _liveTokens = 0;
        _deletedCount = 0;

        var remap = new int[oldTerms.Count];
        Array.Fill(remap, -1);
        var buffer = new List<int>();
        var positions = new List<int>();
        for (var ordinal = 0; ordinal < oldCount; ordinal++)
        {
            if (oldDeleted[ordinal])
            {
                continue;
            }

            var documentId = oldGroupNames[oldGroups[ordinal]];
            if (!_groupIds.TryGetValue(documentId, out var group))
            {
                group = _groupNames.Count;
                _groupIds.Add(documentId, group);
                _groupNames.Add(documentId);
                _groupChunks.Add([]);
            }

            buffer.Clear();
            positions.Clear();
            var offset = oldStarts[ordinal];
            var position = -1;
            for (var i = 0; i < oldLengths[ordinal]; i++)
            {
                var value = VarInt.Read(oldForward, ref offset);
                position += 1 + ((value & 1) != 0 ? (int)VarInt.Read(oldForward, ref offset) : 0);
                positions.Add(position);
                var old = (int)(value >> 1);
                if (remap[old] < 0)
                {
                    remap[old] = _terms.Add(oldTerms[old]);
                    _postings.Add(new PostingList());
                }

                buffer.Add(remap[old]);
            }

            AddTermIds(oldIds[ordinal], group, CollectionsMarshal.AsSpan(buffer), CollectionsMarshal.AsSpan(positions));
        }
    }

    /// <summary>Approximate heap bytes held by the index structures.</summary>
    public long EstimateMemoryBytes()
    {
        _lock.EnterReadLock();
        try
        {
            long bytes = _forward.Length + (_chunkIds.Length * (8L + 4 + 4 + 1 + 4));
            foreach (var list in _postings)
            {
                bytes += list.MemoryBytes;
            }

            bytes += _terms.MemoryBytes;

            foreach (var (id, _) in _chunkOrdinals)
            {
                bytes += 24 + (id.Length * 2) + 24;
            }

            return bytes;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }
}
