using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AgentRag.Retrieval.Keyword;

/// <summary>
/// The postings of one term: (doc ordinal, term frequency) pairs in increasing ordinal order. Full blocks of
/// <see cref="BlockSize"/> are compressed (delta-coded ordinals, then frequencies, as LEB128 varints) and carry
/// their last ordinal and their <em>impacts</em>: the Pareto frontier of (frequency, document length) pairs, as
/// in Lucene, from which the exact best BM25 score of the block follows for any collection statistics. The
/// term keeps the frontier over all its blocks. The unfinished last block stays uncompressed with a looser
/// (max frequency, min length) bound. Not thread-safe: the owning <see cref="Bm25Index"/> serializes writers
/// against readers.
/// </summary>
internal sealed class PostingList
{
    public const int BlockSize = 128;

    private byte[] _data = [];
    private int _dataLength;
    private int[] _blockLastDoc = [];
    private int[] _blockOffset = [];
    private int[] _impactStart = [0];
    private int[] _impacts = [];
    private int _blockCount;
    private int[] _termImpacts = [];

    // The unfinished block as interleaved (doc, tf, length) triples: one array keeps appends to one cache line.
    private int[] _tail = new int[6];
    private int _tailCount;

    // (max tf, min length) of the tail, inline in the object so an append touches no third array.
    private TailBound _tailImpact;

    public PostingList() => _tailImpact[1] = int.MaxValue;

    /// <summary>Postings stored, including those of deleted documents.</summary>
    public int Count => (_blockCount * BlockSize) + _tailCount;

    /// <summary>Live (not deleted) documents containing the term: the BM25 document frequency.</summary>
    public int LiveDocFreq { get; set; }

    /// <summary>Number of blocks including a non-empty tail.</summary>
    public int TotalBlocks => _blockCount + (_tailCount > 0 ? 1 : 0);

    /// <summary>Approximate heap bytes held.</summary>
    public long MemoryBytes => _data.Length + (_blockLastDoc.Length * 12L) + (_impacts.Length * 4L) + (_tail.Length * 4L) + 160;

    /// <summary>Appends a posting; <paramref name="doc"/> must exceed every ordinal already stored.</summary>
    public void Add(int doc, int tf, int length)
    {
        if (_tailCount * 3 == _tail.Length)
        {
            Array.Resize(ref _tail, Math.Min(BlockSize * 3, _tail.Length * 2));
        }

        var at = _tailCount * 3;
        _tail[at] = doc;
        _tail[at + 1] = tf;
        _tail[at + 2] = length;
        _tailCount++;
        _tailImpact[0] = Math.Max(_tailImpact[0], tf);
        _tailImpact[1] = Math.Min(_tailImpact[1], length);
        if (_tailCount == BlockSize)
        {
            SealTail();
        }
    }

    private void SealTail()
    {
        if (_blockCount == _blockLastDoc.Length)
        {
            var size = Math.Max(4, _blockCount * 2);
            Array.Resize(ref _blockLastDoc, size);
            Array.Resize(ref _blockOffset, size);
            Array.Resize(ref _impactStart, size + 1);
        }

        if (_data.Length < _dataLength + (BlockSize * 10))
        {
            Array.Resize(ref _data, Math.Max(_dataLength + (BlockSize * 10), _data.Length + (_data.Length / 2)));
        }

        var previous = _blockCount > 0 ? _blockLastDoc[_blockCount - 1] : -1;
        _blockOffset[_blockCount] = _dataLength;
        var span = _data.AsSpan();
        for (var i = 0; i < BlockSize; i++)
        {
            _dataLength += VarInt.Write(span[_dataLength..], (uint)(_tail[i * 3] - previous - 1));
            previous = _tail[i * 3];
        }

        for (var i = 0; i < BlockSize; i++)
        {
            _dataLength += VarInt.Write(span[_dataLength..], (uint)(_tail[(i * 3) + 1] - 1));
        }

        Span<int> pairs = stackalloc int[BlockSize * 2];
        for (var i = 0; i < BlockSize; i++)
        {
            pairs[i * 2] = _tail[(i * 3) + 1];
            pairs[(i * 2) + 1] = _tail[(i * 3) + 2];
        }

        var frontier = Frontier(pairs);
        var start = _impactStart[_blockCount];
        if (_impacts.Length < start + frontier.Length)
        {
            Array.Resize(ref _impacts, Math.Max(start + frontier.Length, _impacts.Length * 2));
        }

        frontier.CopyTo(_impacts, start);
        _impactStart[_blockCount + 1] = start + frontier.Length;
        _termImpacts = Frontier([.. _termImpacts, .. frontier]);

        _blockLastDoc[_blockCount] = previous;
        _blockCount++;
        _tailCount = 0;
        _tailImpact[0] = 0;
        _tailImpact[1] = int.MaxValue;
    }

    /// <summary>
    /// The (tf, length) pairs not dominated by another pair with tf ≥ and length ≤: BM25 grows with tf and falls
    /// with length, so the best score among the pairs is the best score of all of them.
    /// </summary>
    private static int[] Frontier(ReadOnlySpan<int> pairs)
    {
        // Sort by length ascending, then tf descending, packed in one long so the sort needs no comparer.
        var count = pairs.Length / 2;
        Span<long> keys = count <= 512 ? stackalloc long[count] : new long[count];
        for (var i = 0; i < count; i++)
        {
            keys[i] = ((long)pairs[(i * 2) + 1] << 32) | (uint)(int.MaxValue - pairs[i * 2]);
        }

        keys.Sort();
        Span<int> result = count <= 256 ? stackalloc int[count * 2] : new int[count * 2];
        var written = 0;
        var best = 0;
        foreach (var key in keys)
        {
            var tf = int.MaxValue - (int)(key & 0xFFFFFFFF);
            if (tf > best)
            {
                best = tf;
                result[written++] = tf;
                result[written++] = (int)(key >>> 32);
            }
        }

        return result[..written].ToArray();
    }

    /// <summary>Decodes block <paramref name="block"/> (or the tail when it equals the sealed block count).</summary>
    public int Decode(int block, int[] docs, int[] tfs)
    {
        if (block == _blockCount)
        {
            for (var i = 0; i < _tailCount; i++)
            {
                docs[i] = _tail[i * 3];
                tfs[i] = _tail[(i * 3) + 1];
            }

            return _tailCount;
        }

        var data = _data.AsSpan(0, _dataLength);
        var offset = _blockOffset[block];
        var previous = block > 0 ? _blockLastDoc[block - 1] : -1;
        for (var i = 0; i < BlockSize; i++)
        {
            previous += (int)VarInt.Read(data, ref offset) + 1;
            docs[i] = previous;
        }

        for (var i = 0; i < BlockSize; i++)
        {
            tfs[i] = (int)VarInt.Read(data, ref offset) + 1;
        }

        return BlockSize;
    }

    /// <summary>Last ordinal of the block (or of the tail).</summary>
    public int BlockLastDoc(int block) => block == _blockCount ? (_tailCount > 0 ? _tail[(_tailCount - 1) * 3] : -1) : _blockLastDoc[block];

    /// <summary>The block's impacts as flattened (tf, length) pairs; for the tail a single (max tf, min length) pair.</summary>
    public ReadOnlySpan<int> BlockImpacts(int block) =>
        block == _blockCount ? TailImpact : _impacts.AsSpan(_impactStart[block], _impactStart[block + 1] - _impactStart[block]);

    /// <summary>The impacts of the whole term (sealed blocks), as flattened (tf, length) pairs.</summary>
    public ReadOnlySpan<int> TermImpacts => _termImpacts;

    /// <summary>The (max tf, min length) pair of the unsealed tail, or (0, max) when it is empty.</summary>
    public ReadOnlySpan<int> TailImpact => MemoryMarshal.CreateReadOnlySpan(ref _tailImpact[0], 2);

    /// <summary>First block whose last ordinal is ≥ <paramref name="target"/>, searching from <paramref name="from"/>.</summary>
    public int FindBlock(int from, int target)
    {
        var total = TotalBlocks;
        if (from >= _blockCount)
        {
            return from < total && BlockLastDoc(from) >= target ? from : total;
        }

        // Gallop, then binary search, over the sealed blocks.
        var step = 1;
        var low = from;
        var high = from;
        while (high < _blockCount && _blockLastDoc[high] < target)
        {
            low = high + 1;
            high += step;
            step *= 2;
        }

        if (high >= _blockCount)
        {
            high = _blockCount - 1;
            if (_blockLastDoc[high] < target)
            {
                return _tailCount > 0 && BlockLastDoc(_blockCount) >= target ? _blockCount : total;
            }
        }

        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (_blockLastDoc[mid] < target)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(LiveDocFreq);
        writer.Write(_blockCount);
        writer.Write(_dataLength);
        writer.Write(_data, 0, _dataLength);
        for (var i = 0; i < _blockCount; i++)
        {
            writer.Write(_blockLastDoc[i]);
            writer.Write(_blockOffset[i]);
            writer.Write(_impactStart[i + 1]);
        }

        writer.Write(_impactStart[_blockCount]);
        for (var i = 0; i < _impactStart[_blockCount]; i++)
        {
            writer.Write(_impacts[i]);
        }

        writer.Write(_termImpacts.Length);
        foreach (var value in _termImpacts)
        {
            writer.Write(value);
        }

        writer.Write(_tailCount);
        for (var i = 0; i < _tailCount * 3; i++)
        {
            writer.Write(_tail[i]);
        }

        writer.Write(_tailImpact[0]);
        writer.Write(_tailImpact[1]);
    }

    public static PostingList Read(BinaryReader reader)
    {
        var list = new PostingList { LiveDocFreq = reader.ReadInt32() };
        list._blockCount = reader.ReadInt32();
        list._dataLength = reader.ReadInt32();
        list._data = reader.ReadBytes(list._dataLength);
        if (list._data.Length != list._dataLength)
        {
            throw new EndOfStreamException("Posting data is truncated.");
        }

        list._blockLastDoc = new int[list._blockCount];
        list._blockOffset = new int[list._blockCount];
        list._impactStart = new int[list._blockCount + 1];
        for (var i = 0; i < list._blockCount; i++)
        {
            list._blockLastDoc[i] = reader.ReadInt32();
            list._blockOffset[i] = reader.ReadInt32();
            list._impactStart[i + 1] = reader.ReadInt32();
        }

        list._impacts = ReadInts(reader, reader.ReadInt32());
        list._termImpacts = ReadInts(reader, reader.ReadInt32());
        list._tailCount = reader.ReadInt32();
        if (list._tailCount is < 0 or >= BlockSize)
        {
            throw new InvalidDataException($"Posting tail of {list._tailCount} entries is out of range.");
        }

        list._tail = new int[Math.Max(6, list._tailCount * 3)];
        for (var i = 0; i < list._tailCount * 3; i++)
        {
            list._tail[i] = reader.ReadInt32();
        }

        list._tailImpact[0] = reader.ReadInt32();
        list._tailImpact[1] = reader.ReadInt32();
        return list;
    }

    private static int[] ReadInts(BinaryReader reader, int count)
    {
        if (count < 0)
        {
            throw new InvalidDataException("Negative array length in posting list.");
        }

        var values = new int[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = reader.ReadInt32();
        }

        return values;
    }

    [InlineArray(2)]
    private struct TailBound
    {
        private int _element;
    }
}

/// <summary>
/// Iterates a <see cref="PostingList"/> block by block. <see cref="AdvanceShallow"/> moves to a block without
/// decoding it, leaving <see cref="Doc"/> as a lower bound of the next posting until <see cref="Materialize"/>.
/// </summary>
internal sealed class PostingCursor
{
    public const int NoMoreDocs = int.MaxValue;

    private readonly PostingList _list;
    private readonly int[] _docs = new int[PostingList.BlockSize];
    private readonly int[] _tfs = new int[PostingList.BlockSize];
    private int _block = -1;
    private int _count;
    private int _index;

    public PostingCursor(PostingList list)
    {
        _list = list;
        LoadBlock(0);
    }

    /// <summary>The current ordinal; a lower bound of it while <see cref="IsDecoded"/> is false.</summary>
    public int Doc { get; private set; }

    public bool IsDecoded { get; private set; }

    public int Tf => _tfs[_index];

    /// <summary>Index of the current block.</summary>
    public int Block => _block;

    public PostingList List => _list;

    public void Next()
    {
        Materialize();
        if (++_index < _count)
        {
            Doc = _docs[_index];
            return;
        }

        LoadBlock(_block + 1);
    }

    /// <summary>Moves to the first posting with ordinal ≥ <paramref name="target"/>.</summary>
    public void Advance(int target)
    {
        if (IsDecoded && Doc >= target)
        {
            return;
        }

        if (target > _list.BlockLastDoc(_block))
        {
            LoadBlock(_list.FindBlock(_block + 1, target));
            if (Doc >= target)
            {
                return;
            }
        }
        else
        {
            Materialize();
        }

        while (_docs[_index] < target)
        {
            _index++;
        }

        Doc = _docs[_index];
    }

    /// <summary>Moves to the block that may hold <paramref name="target"/> without decoding it.</summary>
    public void AdvanceShallow(int target)
    {
        if (Doc >= target)
        {
            return;
        }

        if (target > _list.BlockLastDoc(_block))
        {
            _block = _list.FindBlock(_block + 1, target);
            if (_block >= _list.TotalBlocks)
            {
                _count = 0;
                Doc = NoMoreDocs;
                IsDecoded = true;
                return;
            }

            IsDecoded = false;
            Doc = target;
        }
        else if (IsDecoded)
        {
            Advance(target); // the block is decoded already: an exact move costs nothing extra
        }
        else
        {
            Doc = target;
        }
    }

    /// <summary>Decodes the current block if needed and positions on the first posting ≥ the lower bound.</summary>
    public void Materialize()
    {
        if (IsDecoded)
        {
            return;
        }

        var target = Doc;
        LoadBlock(_block);
        while (_docs[_index] < target)
        {
            _index++;
        }

        Doc = _docs[_index];
    }

    private void LoadBlock(int block)
    {
        _block = block;
        _index = 0;
        IsDecoded = true;
        if (block >= _list.TotalBlocks)
        {
            _count = 0;
            Doc = NoMoreDocs;
            return;
        }

        _count = _list.Decode(block, _docs, _tfs);
        Doc = _docs[0];
    }
}
