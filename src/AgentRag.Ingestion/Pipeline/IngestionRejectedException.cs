namespace AgentRag.Ingestion.Pipeline;

/// <summary>Why a file was refused before any document was created for it.</summary>
public enum RejectionReason
{
    NotFound,
    Empty,
    TooLarge,
    UnsupportedType,

    /// <summary>The content is of a supported type but unusable: damaged, without text, or a ZIP bomb.</summary>
    InvalidContent,
}

/// <summary>
/// Thrown when a file is refused at submission (missing, empty, over the size limit, or of an unsupported type).
/// Nothing is stored for a rejected file.
/// </summary>
public sealed class IngestionRejectedException(string fileName, RejectionReason reason, string message)
    : Exception(message)
{
    public string FileName { get; } = fileName;

    public RejectionReason Reason { get; } = reason;
}
