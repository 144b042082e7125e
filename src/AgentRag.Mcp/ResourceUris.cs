namespace AgentRag.Mcp;

/// <summary>
/// The MCP resource addresses of the platform's records: <c>agentrag://documents/{documentId}</c> and
/// <c>agentrag://documents/{documentId}/chunks/{chunkId}</c>. Tool results carry them so a client can read the
/// resource behind a hit.
/// </summary>
public static class ResourceUris
{
    public const string Scheme = "agentrag";

    private const string DocumentsPrefix = "agentrag://documents/";

    public const string DocumentTemplate = DocumentsPrefix + "{documentId}";

    public const string ChunkTemplate = DocumentsPrefix + "{documentId}/chunks/{chunkId}";

    public static string Document(string documentId) => DocumentsPrefix + Uri.EscapeDataString(documentId);

    public static string Chunk(string documentId, string chunkId) => $"{Document(documentId)}/chunks/{Uri.EscapeDataString(chunkId)}";

    /// <summary>Splits a document or chunk address; false for anything else (another scheme, extra segments).</summary>
    public static bool TryParse(string? uri, out string documentId, out string? chunkId)
    {
        documentId = "";
        chunkId = null;
        if (uri is null || !uri.StartsWith(DocumentsPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var segments = uri[DocumentsPrefix.Length..].Split('/');
        if (segments.Any(string.IsNullOrEmpty) || (segments.Length != 1 && (segments.Length != 3 || segments[1] != "chunks")))
        {
            return false;
        }

        documentId = Uri.UnescapeDataString(segments[0]);
        chunkId = segments.Length == 3 ? Uri.UnescapeDataString(segments[2]) : null;
        return true;
    }
}
