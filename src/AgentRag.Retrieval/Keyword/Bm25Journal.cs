using System.Text;
using AgentRag.Retrieval.Persistence;

namespace AgentRag.Retrieval.Keyword;

/// <summary>
/// Log of BM25 index changes since the last snapshot, as <see cref="RecordJournal"/> records (replace a document's
/// chunks, or remove a document). Not thread-safe: the catalog serializes writers per tenant.
/// </summary>
internal sealed class Bm25Journal : IDisposable
{
    private const byte ReplaceOperation = 1;
    private const byte RemoveOperation = 2;

    private readonly RecordJournal _journal;

    private Bm25Journal(RecordJournal journal) => _journal = journal;

    public long Length => _journal.Length;

    /// <summary>Opens (creating) the journal, applies its valid records to <paramref name="index"/>, and cuts any torn tail.</summary>
    public static Bm25Journal OpenAndReplay(string path, Bm25Index index, bool sync, out int replayed) =>
        new(RecordJournal.OpenAndReplay(path, payload => Apply(payload, index), sync, out replayed));

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

        _journal.Append(payload.GetBuffer().AsSpan(0, (int)payload.Length));
    }

    public void AppendRemove(string documentId)
    {
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(RemoveOperation);
            writer.Write(documentId);
        }

        _journal.Append(payload.GetBuffer().AsSpan(0, (int)payload.Length));
    }

    /// <summary>Empties the journal once a snapshot holds its changes.</summary>
    public void Truncate() => _journal.Truncate();

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

    public void Dispose() => _journal.Dispose();
}
