using System.Globalization;
using AgentRag.Ingestion.Extraction.Processes;
using Microsoft.Extensions.Options;

namespace AgentRag.Ingestion.Extraction.Pdf;

/// <summary>
/// Renders one page of a PDF as a PNG image with poppler's <c>pdftoppm</c> (page previews; docs/adr/0038). Runs are
/// bounded by <see cref="DocumentExtractionOptions.ProcessTimeout"/>. Thread-safe; callers bound the concurrency.
/// </summary>
public sealed class PdfPageRenderer(IOptions<DocumentExtractionOptions> options, TimeProvider timeProvider)
{
    /// <summary>
    /// Writes page <paramref name="page"/> (1-based) of <paramref name="pdfPath"/>, scaled to <paramref name="width"/>
    /// pixels wide (height in proportion), to <paramref name="outputPath"/> (which must end in <c>.png</c>). Throws
    /// <see cref="DocumentExtractionException"/> when pdftoppm is missing, times out or cannot render the page (its
    /// exit code and first error line in the message).
    /// </summary>
    public async Task RenderPngAsync(string pdfPath, string fileName, int page, int width, string outputPath, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(page, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (!outputPath.EndsWith(".png", StringComparison.Ordinal))
        {
            throw new ArgumentException("The output path must end in .png (pdftoppm appends it to the prefix).", nameof(outputPath));
        }

        var settings = options.Value;
        var number = page.ToString(CultureInfo.InvariantCulture);
        var result = await ExternalProcess.RunAsync(
            settings.PopplerTool("pdftoppm"),
            ["-f", number, "-l", number, "-png", "-singlefile", "-scale-to-x", width.ToString(CultureInfo.InvariantCulture), "-scale-to-y", "-1", pdfPath, outputPath[..^4]],
            fileName,
            settings.ProcessTimeout,
            timeProvider,
            cancellationToken: cancellationToken);
        if (result.ExitCode != 0 || !File.Exists(outputPath))
        {
            throw new DocumentExtractionException(fileName, ExtractionFailure.Corrupt,
                $"page {page} could not be rendered (pdftoppm exit code {result.ExitCode}: {result.FirstStderrLine}).");
        }
    }
}
