namespace AgentRag.Retrieval.Keyword;

/// <summary>
/// The postings of one term: (doc ordinal, term frequency) pairs in increasing ordinal order. Full blocks of
/// <see cref="BlockSize"/> are compressed (delta-coded ordinals, then frequencies, as LEB128 varints) and carry
/// their last ordinal, the largest frequency and the smallest document length, from which a BM25 upper bound
/// for the block follows at any collection statistics. The unfinished last block stays uncompressed.
/// Not thread-safe: the owning <see cref="Bm25Index"/> serializes writers against readers.
/// </summary>
internal sealed class PostingList
{
    public const int BlockSize = 128;

    private byte[] _data = [];
    private int _dataLength;
    private int[] _blockLastDoc = [];
    private int[] _blockOffset = [];
    private int[] _blockMaxTf = [];
    private int[] _blockMinLength = [];
    private int _blockCount;
    // The unfinished block as interleaved (doc, tf) pairs: one array keeps appends to one cache line.
    private int[] _tail = new int[4];
    private int _tailCount;
    private int _tailMaxTf;
    private int _tailMinLength = int.MaxValue;

    /// <summary>Postings stored, including those of deleted documents.</summary>
    public int Count => (_blockCount * BlockSize) + _tailCount;

    /// <summary>Live (not deleted) documents containing the term: the BM25 document frequency.</summary>
    public int LiveDocFreq { get; set; }

    public int BlockCount => _blockCount;

    /// <summary>Appends a posting; <paramref name="doc"/> must exceed every ordinal already stored.</summary>
    public void Add(int doc, int tf, int length)
    {
        if (_tailCount * 2 == _tail.Length)
        {
            Array.Resize(ref _tail, Math.Min(BlockSize * 2, _tail.Length * 2));
        }

        _tail[_tailCount * 2] = doc;
        _tail[(_tailCount * 2) + 1] = tf;
        _tailCount++;
        _tailMaxTf = Math.Max(_tailMaxTf, tf);
        _tailMinLength = Math.Min(_tailMinLength, length);
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
            Array.Resize(ref _blockMaxTf, size);
            Array.Resize(ref _blockMinLength, size);
        }

        EnsureData(_dataLength + (BlockSize * 10));
        var previous = _blockCount > 0 ? _blockLastDoc[_blockCount - 1] : -1;
        _blockOffset[_blockCount] = _dataLength;
        var span = _data.AsSpan();
        for (var i = 0; i < BlockSize; i++)
        {
            _dataLength += VarInt.Write(span[_dataLength..], (uint)(_tail[i * 2] - previous - 1));
            previous = _tail[i * 2];
        }

        for (var i = 0; i < BlockSize; i++)
        {
            _dataLength += VarInt.Write(span[_dataLength..], (uint)(_tail[(i * 2) + 1] - 1));
        }

        _blockLastDoc[_blockCount] = previous;
        _blockMaxTf[_blockCount] = _tailMaxTf;
        _blockMinLength[_blockCount] = _tailMinLength;
        _blockCount++;
        _tailCount = 0;
        _tailMaxTf = 0;
        _tailMinLength = int.MaxValue;
    }

    private void EnsureData(int capacity)
    {
        if (_data.Length < capacity)
        {
            Array.Resize(ref _data, Math.Max(capacity, _data.Length + (_data.Length / 2)));
        }
    }

    /// <summary>Decodes block <paramref name="block"/> (or the tail when it equals <see cref="BlockCount"/>).</summary>
    public int Decode(int block, int[] docs, int[] tfs)
    {
        if (block == _blockCount)
        {
            for (var i = 0; i < _tailCount; i++)
            {
                docs[i] = _tail[i * 2];
                tfs[i] = _tail[(i * 2) + 1];
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
    public int BlockLastDoc(int block) => block == _blockCount ? (_tailCount > 0 ? _tail[(_tailCount - 1) * 2] : -1) : _blockLastDoc[block];

    public int BlockMaxTf(int block) => block == _blockCount ? _tailMaxTf : _blockMaxTf[block];

    public int BlockMinLength(int block) => block == _blockCount ? _tailMinLength : _blockMinLength[block];

    /// <summary>Number of blocks including a non-empty tail.</summary>
    public int TotalBlocks => _blockCount + (_tailCount > 0 ? 1 : 0);

    /// <summary>Approximate heap bytes held.</summary>
    public long MemoryBytes => _data.Length + (_blockLastDoc.Length * 16L) + (_tail.Length * 4L) + 96;

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
            writer.Write(_blockMaxTf[i]);
            writer.Write(_blockMinLength[i]);
        }

        writer.Write(_tailCount);
        for (var i = 0; i < _tailCount * 2; i++)
        {
            writer.Write(_tail[i]);
        }

        writer.Write(_tailMaxTf);
        writer.Write(_tailMinLength);
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
        list._blockMaxTf = new int[list._blockCount];
        list._blockMinLength = new int[list._blockCount];
        for (var i = 0; i < list._blockCount; i++)
        {
            list._blockLastDoc[i] = reader.ReadInt32();
            list._blockOffset[i] = reader.ReadInt32();
            list._blockMaxTf[i] = reader.ReadInt32();
            list._blockMinLength[i] = reader.ReadInt32();
        }

        list._tailCount = reader.ReadInt32();
        list._tail = new int[Math.Max(4, list._tailCount * 2)];
        for (var i = 0; i < list._tailCount * 2; i++)
        {
            list._tail[i] = reader.ReadInt32();
        }

        list._tailMaxTf = reader.ReadInt32();
        list._tailMinLength = reader.ReadInt32();
        return list;
    }
}

/// <summary>Iterates a <see cref="PostingList"/> block by block, skipping whole blocks on advance.</summary>
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

    public int Doc { get; private set; }

    public int Tf => _tfs[_index];

    /// <summary>Index of the current block; its bound data is on the list.</summary>
    public int Block => _block;

    public PostingList List => _list;

    public void Next()
    {
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
        if (Doc >= target)
        {
            return;
        }

        if (target > _list.BlockLastDoc(_block))
        {
            var block = _block + 1;
            var total = _list.TotalBlocks;
            while (block < total && _list.BlockLastDoc(block) < target)
            {
                block++;
            }

            LoadBlock(block);
            if (Doc >= target)
            {
                return;
            }
        }

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
