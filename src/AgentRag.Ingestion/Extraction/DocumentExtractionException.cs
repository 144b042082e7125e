namespace AgentRag.Ingestion.Extraction;

/// <summary>Why a file could not be extracted.</summary>
public enum ExtractionFailure
{
    /// <summary>The file does not exist (any more).</summary>
    NotFound,

    /// <summary>The file has no bytes.</summary>
    Empty,

    /// <summary>The content is of a kind no extractor reads (binary data, a plain ZIP archive, …).</summary>
    UnsupportedContent,

    /// <summary>The file's extension promises a format its content is not (a text file named .pdf).</summary>
    ContentMismatch,

    /// <summary>The document is password protected.</summary>
    Encrypted,

    /// <summary>The file ends early: it was cut off during upload or copy.</summary>
    Truncated,

    /// <summary>The file is damaged or malformed.</summary>
    Corrupt,

    /// <summary>The file would expand beyond the configured limits (a ZIP bomb).</summary>
    TooLarge,

    /// <summary>The document contains no text at all.</summary>
    NoText,

    /// <summary>A required external tool (poppler-utils, tesseract) is not installed.</summary>
    ToolMissing,

    /// <summary>An external tool did not finish within its time limit.</summary>
    Timeout,

    /// <summary>Reading the file or starting a process failed in a way that may succeed later.</summary>
    Io,
}

/// <summary>
/// Extraction of one file failed. The message names the file and the reason; <see cref="IsTransient"/> tells a
/// pipeline whether retrying the same file can succeed (process spawn failures, I/O errors, time-outs under load)
/// or whether the file itself is bad.
/// </summary>
public sealed class DocumentExtractionException : Exception
{
    public DocumentExtractionException(string fileName, ExtractionFailure failure, string reason, Exception? innerException = null)
        : base($"Cannot extract '{fileName}': {reason}", innerException)
    {
        FileName = fileName;
        Failure = failure;
        Reason = reason;
    }

    /// <summary>The file's name as the user knows it.</summary>
    public string FileName { get; }

    public ExtractionFailure Failure { get; }

    /// <summary>The reason alone, without the file name.</summary>
    public string Reason { get; }

    /// <summary>True when a retry may succeed; false when the file (or the installation) must change first.</summary>
    public bool IsTransient => Failure is ExtractionFailure.Io or ExtractionFailure.Timeout;
}
