using System.Text;

namespace AgentRag.Retrieval.Keyword;

/// <summary>
/// Append-only log of index changes since the last snapshot. Each record is
/// <c>[int32 length][payload][uint64 FNV-1a of payload]</c>; a torn or corrupt tail (a crash mid-append) is
/// detected on replay and cut off. Not thread-safe: the catalog serializes writers per tenant.
/// </summary>
internal sealed class Bm25Journal : IDisposable
{
    private const byte ReplaceOperation = 1;
    private const byte RemoveOperation = 2;

    private readonly FileStream _stream;
    private readonly bool _sync;

    private Bm25Journal(FileStream stream, bool sync)
    {
        _stream = stream;
        _sync = sync;
    }

    public long Length => _stream.Length;

    /// <summary>Opens (creating) the journal, applies its valid records to <paramref name="index"/>, and cuts any torn tail.</summary>
    public static Bm25Journal OpenAndReplay(string path, Bm25Index index, bool sync, out int replayed)
    {
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        replayed = 0;
        long valid = 0;
        using (var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true))
        {
            while (stream.Position < stream.Length)
            {
                if (stream.Length - stream.Position < 4)
                {
                    break;
                }

                var length = reader.ReadInt32();
                if (length <= 0 || stream.Length - stream.Position < length + 8L)
                {
                    break;
                }

                var payload = reader.ReadBytes(length);
                if (reader.ReadUInt64() != Fnv1a(payload))
                {
                    break;
                }

                Apply(payload, index);
                replayed++;
                valid = stream.Position;
            }
        }

        stream.SetLength(valid);
        stream.Position = valid;
        return new Bm25Journal(stream, sync);
    }

    public void AppendReplace(string documentId, IReadOnlyList<(string ChunkId, string Text)> chunks)
    {
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(ReplaceOperation);
            writer.Write(documentId);
            writer.Write(chunks.Count);
            foreach (var (chunkId, text) in chunks)
            {
                writer.Write(chunkId);
                writer.Write(text);
            }
        }

        Append(payload.ToArray());
    }

    public void AppendRemove(string documentId)
    {
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(RemoveOperation);
            writer.Write(documentId);
        }

        Append(payload.ToArray());
    }

    /// <summary>Empties the journal once a snapshot holds its changes.</summary>
    public void Truncate()
    {
        _stream.SetLength(0);
        _stream.Position = 0;
        _stream.Flush(flushToDisk: _sync);
    }

    private void Append(byte[] payload)
    {
        var record = new byte[payload.Length + 12];
        BitConverter.TryWriteBytes(record.AsSpan(0, 4), payload.Length);
        payload.CopyTo(record, 4);
        BitConverter.TryWriteBytes(record.AsSpan(4 + payload.Length), Fnv1a(payload));
        _stream.Write(record);
        _stream.Flush(flushToDisk: _sync);
    }

    private static void Apply(byte[] payload, Bm25Index index)
    {
        using var reader = new BinaryReader(new MemoryStream(payload), Encoding.UTF8);
        var operation = reader.ReadByte();
        var documentId = reader.ReadString();
        switch (operation)
        {
            case ReplaceOperation:
                var count = reader.ReadInt32();
                var chunks = new List<(string, string)>(count);
                for (var i = 0; i < count; i++)
                {
                    chunks.Add((reader.ReadString(), reader.ReadString()));
                }

                index.ReplaceDocument(documentId, chunks);
                break;
            case RemoveOperation:
                index.RemoveDocument(documentId);
                break;
            default:
                throw new InvalidDataException($"Unknown BM25 journal operation {operation}.");
        }
    }

    private static ulong Fnv1a(ReadOnlySpan<byte> data)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in data)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    public void Dispose() => _stream.Dispose();
}
