namespace AgentRag.Retrieval.Persistence;

/// <summary>
/// An append-only file of opaque records, the write-ahead log behind the persisted indexes (BM25 and vectors). Each
/// record is <c>[int32 length][payload][uint64 FNV-1a of payload]</c>; a torn or corrupt tail (a crash mid-append) is
/// detected on replay and cut off. Not thread-safe: the owning catalog serializes writers per tenant.
/// </summary>
internal sealed class RecordJournal : IDisposable
{
    private readonly FileStream _stream;
    private readonly bool _sync;

    private RecordJournal(FileStream stream, bool sync)
    {
        _stream = stream;
        _sync = sync;
    }

    public long Length => _stream.Length;

    /// <summary>
    /// Opens (creating) the journal, passes each valid record's payload to <paramref name="apply"/> in order, and cuts
    /// any torn tail. <paramref name="sync"/> flushes each append to the disk before it returns.
    /// </summary>
    public static RecordJournal OpenAndReplay(string path, Action<byte[]> apply, bool sync, out int replayed)
    {
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            replayed = 0;
            long valid = 0;
            using (var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                while (stream.Length - stream.Position >= 4)
                {
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

                    apply(payload);
                    replayed++;
                    valid = stream.Position;
                }
            }

            stream.SetLength(valid);
            stream.Position = valid;
            return new RecordJournal(stream, sync);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Appends one record; durable when it returns if the journal syncs.</summary>
    public void Append(ReadOnlySpan<byte> payload)
    {
        var record = new byte[payload.Length + 12];
        BitConverter.TryWriteBytes(record.AsSpan(0, 4), payload.Length);
        payload.CopyTo(record.AsSpan(4));
        BitConverter.TryWriteBytes(record.AsSpan(4 + payload.Length), Fnv1a(payload));
        _stream.Write(record);
        _stream.Flush(flushToDisk: _sync);
    }

    /// <summary>Empties the journal once a snapshot holds its changes.</summary>
    public void Truncate()
    {
        _stream.SetLength(0);
        _stream.Position = 0;
        _stream.Flush(flushToDisk: _sync);
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
