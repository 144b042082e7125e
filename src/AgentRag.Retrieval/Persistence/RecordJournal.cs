namespace AgentRag.Retrieval.Persistence;

/// <summary>
/// An append-only file of opaque records, the write-ahead log behind the persisted indexes (BM25 and vectors). Each
/// record is <c>[int32 length][payload][uint64 FNV-1a of payload]</c>; a torn or corrupt tail (a crash mid-append) is
/// detected on replay and cut off. Other processes may append to the same file (see <see cref="SharedIndexFiles{TState}"/>,
/// which serializes them with a lock file): <see cref="ReplayNew"/> reads what they appended, and every append goes to the
/// file's end. Not thread-safe: the owner serializes callers.
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

    /// <summary>The offset just after the last record this process replayed or appended.</summary>
    public long Position => _stream.Position;

    /// <summary>The file's length now, including what other processes appended since.</summary>
    public long FileLength => RandomAccess.GetLength(_stream.SafeFileHandle);

    /// <summary>
    /// Opens (creating) the journal, passes each valid record's payload to <paramref name="apply"/> in order, and cuts
    /// any torn tail. <paramref name="sync"/> flushes each append to the disk before it returns.
    /// </summary>
    public static RecordJournal OpenAndReplay(string path, Action<byte[]> apply, bool sync, out int replayed)
    {
        // Shared for writing: a CLI command beside a running server appends to the same journal (under the lock file).
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        try
        {
            var journal = new RecordJournal(stream, sync);
            replayed = journal.ReplayNew(apply);
            return journal;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Passes each valid record after <see cref="Position"/> (appended by another process since) to
    /// <paramref name="apply"/> in order, cuts any torn tail, and returns how many were applied. Call it only while no
    /// other process can append (under the lock file), or a record being written would be cut as torn.
    /// </summary>
    public int ReplayNew(Action<byte[]> apply)
    {
        var replayed = 0;
        var valid = _stream.Position;
        _stream.Seek(valid, SeekOrigin.Begin);
        using (var reader = new BinaryReader(_stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            var length = FileLength;
            while (length - _stream.Position >= 4)
            {
                var size = reader.ReadInt32();
                if (size <= 0 || length - _stream.Position < size + 8L)
                {
                    break;
                }

                var payload = reader.ReadBytes(size);
                if (reader.ReadUInt64() != Fnv1a(payload))
                {
                    break;
                }

                apply(payload);
                replayed++;
                valid = _stream.Position;
            }

            if (valid < length)
            {
                _stream.SetLength(valid);
            }
        }

        _stream.Position = valid;
        return replayed;
    }

    /// <summary>Appends one record at the end of the file; durable when it returns if the journal syncs.</summary>
    public void Append(ReadOnlySpan<byte> payload)
    {
        var record = new byte[payload.Length + 12];
        BitConverter.TryWriteBytes(record.AsSpan(0, 4), payload.Length);
        payload.CopyTo(record.AsSpan(4));
        BitConverter.TryWriteBytes(record.AsSpan(4 + payload.Length), Fnv1a(payload));
        _stream.Seek(0, SeekOrigin.End);
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

    /// <summary>The 64-bit FNV-1a hash of <paramref name="data"/>: stable across processes and releases.</summary>
    internal static ulong Fnv1a(ReadOnlySpan<byte> data)
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
