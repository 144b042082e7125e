namespace AgentRag.Ingestion.Extraction;

/// <summary>
/// The single entry point of extraction: detects a file's content type from its bytes and hands it to the registered
/// extractor for that type. Thread-safe.
/// </summary>
public sealed class DocumentExtractorRegistry
{
    private readonly IReadOnlyList<IDocumentExtractor> _extractors;
    private readonly ContentTypeDetector _detector;

    public DocumentExtractorRegistry(IEnumerable<IDocumentExtractor> extractors, ContentTypeDetector detector)
    {
        ArgumentNullException.ThrowIfNull(extractors);
        _extractors = [.. extractors];
        _detector = detector ?? throw new ArgumentNullException(nameof(detector));
    }

    /// <summary>
    /// The content type of the file (see <see cref="ContentTypeDetector.Detect"/>), after checking that an extractor
    /// reads it. Throws <see cref="DocumentExtractionException"/> for empty, mismatched or unsupported files, so an
    /// upload can be refused before it is stored.
    /// </summary>
    public string DetectContentType(string path, string? fileName = null)
    {
        fileName ??= Path.GetFileName(path);
        var contentType = _detector.Detect(path, fileName);
        _ = Resolve(contentType, fileName);
        return contentType;
    }

    /// <summary>
    /// Detects the content type and runs the extractor's submission checks (<see cref="IDocumentExtractor.ValidateAsync"/>).
    /// Returns the content type; throws <see cref="DocumentExtractionException"/> naming <paramref name="fileName"/>.
    /// </summary>
    public async Task<string> ValidateAsync(string path, string? fileName = null, CancellationToken cancellationToken = default)
    {
        fileName ??= Path.GetFileName(path);
        var contentType = _detector.Detect(path, fileName);
        await Resolve(contentType, fileName).ValidateAsync(new DocumentSource(path, fileName, contentType), cancellationToken);
        return contentType;
    }

    /// <summary>
    /// Detects the type and extracts the file. Throws <see cref="DocumentExtractionException"/> naming
    /// <paramref name="fileName"/> (default: the path's file name) when the file is empty, of an unsupported or
    /// mismatched type, or cannot be extracted; <see cref="OperationCanceledException"/> when cancelled.
    /// </summary>
    public Task<ExtractedDocument> ExtractAsync(string path, string? fileName = null, IProgress<ExtractionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        fileName ??= Path.GetFileName(path);
        var contentType = _detector.Detect(path, fileName);
        return Resolve(contentType, fileName).ExtractAsync(new DocumentSource(path, fileName, contentType), progress, cancellationToken);
    }

    private IDocumentExtractor Resolve(string contentType, string fileName) =>
        _extractors.FirstOrDefault(e => e.CanExtract(contentType))
        ?? throw new DocumentExtractionException(fileName, ExtractionFailure.UnsupportedContent, contentType switch
        {
            ContentTypes.Binary => "the content is binary data of an unsupported kind (it contains NUL bytes or control characters); supported are PDF, DOCX, HTML, Markdown and plain text.",
            ContentTypes.Zip => "the content is a ZIP archive that is not a Word document (no 'word/document.xml'); supported are PDF, DOCX, HTML, Markdown and plain text.",
            _ => $"no extractor is registered for {ContentTypes.Describe(contentType)} ({contentType}).",
        });
}
