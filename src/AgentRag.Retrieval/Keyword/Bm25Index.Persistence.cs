using System.Text;

namespace AgentRag.Retrieval.Keyword;

public sealed partial class Bm25Index
{
    private const string SnapshotMagic = "AGENTRAG-BM25";
    private const int SnapshotVersion = 1;

    /// <summary>Writes a consistent binary snapshot of the whole index (searches may continue meanwhile).</summary>
    public void WriteSnapshot(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _lock.EnterReadLock();
        try
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(SnapshotMagic);
            writer.Write(SnapshotVersion);
            writer.Write(_terms.Count);
            foreach (var term in _terms)
            {
                writer.Write(term);
            }

            writer.Write(_groupNames.Count);
            foreach (var name in _groupNames)
            {
                writer.Write(name);
            }

            writer.Write(_chunkCount);
            for (var i = 0; i < _chunkCount; i++)
            {
                writer.Write(_chunkIds[i]);
                writer.Write(_chunkGroup[i]);
                writer.Write(_lengths[i]);
                writer.Write(_deleted[i]);
                writer.Write(_forwardStart[i + 1]);
            }

            writer.Write(_forward, 0, _forwardStart[_chunkCount]);
            foreach (var list in _postings)
            {
                list.Write(writer);
            }

            writer.Write(SnapshotMagic);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Reads a snapshot written by <see cref="WriteSnapshot"/>. Throws <see cref="InvalidDataException"/> when the
    /// stream is not a snapshot of this version or is truncated.
    /// </summary>
    public static Bm25Index ReadSnapshot(Stream stream, Bm25Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var index = new Bm25Index(options);
        try
        {
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            if (reader.ReadString() != SnapshotMagic)
            {
                throw new InvalidDataException("Not a BM25 index snapshot (bad magic).");
            }

            var version = reader.ReadInt32();
            if (version != SnapshotVersion)
            {
                throw new InvalidDataException($"BM25 snapshot version {version} is not supported (expected {SnapshotVersion}).");
            }

            var termCount = reader.ReadInt32();
            for (var i = 0; i < termCount; i++)
            {
                var term = reader.ReadString();
                if (index._terms.TryGetId(term, out _))
                {
                    throw new InvalidDataException($"BM25 snapshot lists the term '{term}' twice.");
                }

                index._terms.Add(term);
            }

            var groupCount = reader.ReadInt32();
            for (var i = 0; i < groupCount; i++)
            {
                var name = reader.ReadString();
                index._groupIds.Add(name, i);
                index._groupNames.Add(name);
                index._groupChunks.Add([]);
            }

            var chunkCount = reader.ReadInt32();
            index.EnsureChunkCapacity(Math.Max(chunkCount, 1));
            for (var i = 0; i < chunkCount; i++)
            {
                var id = reader.ReadString();
                var group = reader.ReadInt32();
                var length = reader.ReadInt32();
                var deleted = reader.ReadBoolean();
                index._chunkIds[i] = id;
                index._chunkGroup[i] = group;
                index._lengths[i] = length;
                index._norms[i] = LengthNorms.LengthToByte(length);
                index._deleted[i] = deleted;
                index._forwardStart[i + 1] = reader.ReadInt32();
                if (deleted)
                {
                    index._deletedCount++;
                    continue;
                }

                index._chunkOrdinals[id] = i;
                index._groupChunks[group].Add(i);
                index._liveChunks++;
                index._liveTokens += length;
                if (length > 0)
                {
                    index._liveNonEmpty++;
                }
            }

            index._chunkCount = chunkCount;
            var forwardLength = index._forwardStart[chunkCount];
            index._forward = reader.ReadBytes(forwardLength);
            if (index._forward.Length != forwardLength)
            {
                throw new EndOfStreamException();
            }

            for (var i = 0; i < termCount; i++)
            {
                index._postings.Add(PostingList.Read(reader));
            }

            if (reader.ReadString() != SnapshotMagic)
            {
                throw new InvalidDataException("BM25 snapshot has no end marker.");
            }
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("BM25 snapshot is truncated.", e);
        }

        return index;
    }
}
