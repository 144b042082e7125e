using System.Text;
using AgentRag.Retrieval.Persistence;

namespace AgentRag.Retrieval.Keyword;

/// <summary>
/// The records of the BM25 journal (a <see cref="RecordJournal"/>): replace a document's chunks, or remove a document.
/// Pure functions; thread-safe.
/// </summary>
internal static class Bm25Journal
{
    private const byte ReplaceOperation = 1;
    private const byte RemoveOperation = 2;

    public static byte[] EncodeReplace(string documentId, IReadOnlyList<(string ChunkId, string Text)> chunks)
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

        return payload.ToArray();
    }

    public static byte[] EncodeRemove(string documentId)
    {
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(RemoveOperation);
            writer.Write(documentId);
        }

        return payload.ToArray();
    }

    /// <summary>Applies one record to <paramref name="index"/>. Throws <see cref="InvalidDataException"/> for an unknown operation.</summary>
    public static void Apply(byte[] payload, Bm25Index index)
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
}
