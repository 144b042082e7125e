using AgentRag.WebConsole.Api;

namespace AgentRag.WebConsole.State;

/// <summary>A document's state in words, as the library and the document page show it.</summary>
public static class DocumentStatusText
{
    /// <summary>
    /// <c>ready</c>, with the semantic stage's progress once it started (<c>ready · semantic 120/227</c>: keyword search
    /// works, vector search once every chunk has a vector); the progress message while processing; <c>failed: why</c>.
    /// </summary>
    public static string Describe(DocumentSummary document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return document.Status switch
        {
            "ready" => document.EmbeddingModel is null ? "ready" : Semantic(document.EmbeddedChunks, document.ChunkCount),
            "failed" => document.Error is { } error ? $"failed: {error}" : "failed",
            _ => string.IsNullOrEmpty(document.ProgressMessage) ? document.Status : $"{document.Status}: {document.ProgressMessage}",
        };
    }

    /// <summary><c>ready · semantic n/total</c>.</summary>
    public static string Semantic(int embedded, int total) => $"ready · semantic {Math.Min(embedded, total)}/{total}";
}
