namespace AgentRag.Ingestion.Extraction;

/// <summary>
/// Reads one file format into an <see cref="ExtractedDocument"/>. Implementations are stateless and thread-safe:
/// one instance extracts many files concurrently. Extraction has no side effects beyond temporary files that are
/// removed before the call returns, so it is safe to repeat.
/// </summary>
public interface IDocumentExtractor
{
    /// <summary>True when this extractor reads content of <paramref name="contentType"/> (a <see cref="ContentTypes"/> value).</summary>
    bool CanExtract(string contentType);

    /// <summary>
    /// Extracts the file. Throws <see cref="DocumentExtractionException"/> naming <see cref="DocumentSource.FileName"/>
    /// when the file cannot be read (see <see cref="DocumentExtractionException.IsTransient"/>), and
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    Task<ExtractedDocument> ExtractAsync(DocumentSource source, IProgress<ExtractionProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks, at submission, what can be checked without external tools, so a bad upload is refused at once rather
    /// than becoming a failed document: a ZIP bomb, a damaged container, a document without text. Throws
    /// <see cref="DocumentExtractionException"/> like <see cref="ExtractAsync"/>. The default checks nothing.
    /// </summary>
    Task ValidateAsync(DocumentSource source, CancellationToken cancellationToken = default) => Task.CompletedTask;
}

/// <summary>A file to extract.</summary>
/// <param name="Path">Where the bytes are.</param>
/// <param name="FileName">The name the user gave the file, used in messages and to break content-type ties.</param>
/// <param name="ContentType">The detected content type (see <see cref="ContentTypeDetector"/>).</param>
public sealed record DocumentSource(string Path, string FileName, string ContentType);
