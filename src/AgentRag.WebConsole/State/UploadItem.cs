using AgentRag.WebConsole.Api;

namespace AgentRag.WebConsole.State;

/// <summary>Where a dropped file is on its way to ready.</summary>
public enum UploadPhase
{
    Uploading,
    Processing,
    Ready,
    Failed,
}

/// <summary>
/// One file of an upload as the document page follows it: bytes sent, then the document's live ingestion stage from its
/// event stream, then ready or failed (with why). Not thread-safe: updated on the render thread.
/// </summary>
public sealed class UploadItem(string fileName, long size)
{
    public string FileName { get; } = fileName;

    public long Size { get; } = size;

    public UploadPhase Phase { get; private set; } = UploadPhase.Uploading;

    public long SentBytes { get; private set; }

    public string? DocumentId { get; private set; }

    /// <summary>The ingestion stage (<c>extracting</c>, <c>chunking</c>, <c>indexing</c>…) while processing.</summary>
    public string Stage { get; private set; } = "";

    /// <summary>The current run's progress, 0–100 (upload progress while uploading).</summary>
    public int Percent { get; private set; }

    /// <summary>What the server last said ("extracting page 23/50").</summary>
    public string Message { get; private set; } = "";

    public string? Error { get; private set; }

    public bool Duplicate { get; private set; }

    public void Sent(long bytes, long total)
    {
        SentBytes = bytes;
        Percent = total > 0 ? (int)Math.Clamp(bytes * 100 / total, 0, 100) : 0;
    }

    /// <summary>The server accepted the file as <paramref name="document"/>.</summary>
    public void Accepted(AcceptedDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        DocumentId = document.Id;
        Duplicate = document.Duplicate;
        (Phase, Percent, Message) = document.Status switch
        {
            "ready" => (UploadPhase.Ready, 100, document.Duplicate ? "already in the library" : "ready"),
            "failed" => (UploadPhase.Failed, 0, "failed"),
            _ => (UploadPhase.Processing, 0, "queued"),
        };
    }

    /// <summary>The upload failed: the server refused the file or the request did not complete.</summary>
    public void Refused(string why)
    {
        Phase = UploadPhase.Failed;
        Error = why;
    }

    /// <summary>
    /// Applies a document event (<c>progress</c>, <c>ready</c>, <c>failed</c>, then the semantic stage's <c>embedding</c>
    /// and <c>embedded</c>: "ready · semantic n/total") of this file's document.
    /// </summary>
    public void Apply(string eventType, DocumentEvent data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Stage = data.Stage;
        Percent = data.Progress;
        Message = data.Message ?? data.Stage;
        switch (eventType)
        {
            case "embedding":
            case "embedded":
                Phase = UploadPhase.Ready;
                Percent = 100;
                Message = DocumentStatusText.Semantic(data.EmbeddedChunks, data.ChunkCount);
                break;
            case "ready":
                Phase = UploadPhase.Ready;
                Percent = 100;
                Message = "ready";
                break;
            case "failed":
                Phase = UploadPhase.Failed;
                Error = data.Error ?? data.Message ?? "ingestion failed";
                break;
            default:
                Phase = UploadPhase.Processing;
                break;
        }
    }
}
