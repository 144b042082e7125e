using System.ComponentModel.DataAnnotations;

namespace AgentRag.Ingestion.Extraction;

/// <summary>Settings of text extraction, bound from the configuration section <see cref="SectionName"/>.</summary>
public sealed class DocumentExtractionOptions : IValidatableObject
{
    public const string SectionName = "AgentRag:Extraction";

    /// <summary>Folder holding pdftotext, pdfinfo, pdftohtml and pdftoppm; null searches PATH.</summary>
    public string? PopplerDirectory { get; set; }

    /// <summary>Path of the tesseract executable; null searches PATH.</summary>
    public string? TesseractPath { get; set; }

    /// <summary>OCR pages that have no text layer when tesseract is available.</summary>
    public bool OcrEnabled { get; set; } = true;

    /// <summary>Tesseract language(s), e.g. "eng" or "eng+deu".</summary>
    [Required]
    [RegularExpression("^[A-Za-z_]+(\\+[A-Za-z_]+)*$", ErrorMessage = "AgentRag:Extraction:OcrLanguage must be tesseract language codes joined with '+', e.g. 'eng'.")]
    public string OcrLanguage { get; set; } = "eng";

    /// <summary>Resolution pages are rendered at for OCR.</summary>
    [Range(72, 600, ErrorMessage = "AgentRag:Extraction:OcrDpi must be between 72 and 600.")]
    public int OcrDpi { get; set; } = 300;

    /// <summary>
    /// How many pdftotext processes extract page ranges of one PDF in parallel; 0 means two per processor core.
    /// Each process re-parses the file's structure, so one process per page would be several times slower.
    /// </summary>
    [Range(0, 256, ErrorMessage = "AgentRag:Extraction:MaxParallelRanges must be between 0 (auto) and 256.")]
    public int MaxParallelRanges { get; set; }

    /// <summary>Smallest page range worth its own process.</summary>
    [Range(1, 10_000, ErrorMessage = "AgentRag:Extraction:MinPagesPerRange must be between 1 and 10000.")]
    public int MinPagesPerRange { get; set; } = 8;

    /// <summary>Time limit of each external process (one pdftotext range, one OCR page, …).</summary>
    public TimeSpan ProcessTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A DOCX whose parts expand beyond this many bytes is rejected before it is read.</summary>
    [Range(1L, long.MaxValue, ErrorMessage = "AgentRag:Extraction:MaxExpandedBytes must be positive.")]
    public long MaxExpandedBytes { get; set; } = 200L * 1024 * 1024;

    /// <summary>A DOCX part that expands more than this ratio (uncompressed : compressed) is rejected as a ZIP bomb.</summary>
    [Range(1, 100_000, ErrorMessage = "AgentRag:Extraction:MaxCompressionRatio must be between 1 and 100000.")]
    public int MaxCompressionRatio { get; set; } = 100;

    /// <summary>The effective number of parallel page ranges.</summary>
    /// <summary>The path to run poppler's <paramref name="tool"/> by: in <see cref="PopplerDirectory"/>, else the name (found on PATH).</summary>
    public string PopplerTool(string tool) => PopplerDirectory is null ? tool : Path.Combine(PopplerDirectory, tool);

    public int EffectiveParallelRanges => MaxParallelRanges > 0 ? MaxParallelRanges : Math.Max(1, Environment.ProcessorCount * 2);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ProcessTimeout <= TimeSpan.Zero || ProcessTimeout > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult(
                $"AgentRag:Extraction:ProcessTimeout must be positive and at most 1 hour; it is {ProcessTimeout}.",
                [nameof(ProcessTimeout)]);
        }

        if (PopplerDirectory is not null && !Directory.Exists(PopplerDirectory))
        {
            yield return new ValidationResult(
                $"AgentRag:Extraction:PopplerDirectory '{PopplerDirectory}' does not exist.", [nameof(PopplerDirectory)]);
        }

        if (TesseractPath is not null && !File.Exists(TesseractPath))
        {
            yield return new ValidationResult(
                $"AgentRag:Extraction:TesseractPath '{TesseractPath}' does not exist.", [nameof(TesseractPath)]);
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting; for code that builds options by hand.</summary>
    public void ThrowIfInvalid() => OptionsValidation.ThrowIfInvalid(this);
}
