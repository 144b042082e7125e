namespace AgentRag.Core.Documents;

/// <summary>
/// The document's original file is no longer stored (retention expired it, <c>AgentRag:Retention:OriginalFileDays</c>, or it
/// was removed by hand), so what needs it (reprocessing) cannot run. The document itself is unchanged.
/// </summary>
public sealed class OriginalUnavailableException(string documentId)
    : Exception($"The original of document '{documentId}' is no longer stored (originals expire after AgentRag:Retention:OriginalFileDays days), so it cannot be reprocessed; upload the file again to ingest it anew.")
{
    public string DocumentId { get; } = documentId;
}
