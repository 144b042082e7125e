using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AgentRag.Core.Documents;
using AgentRag.Ingestion.Extraction.Processes;
using Microsoft.Extensions.Options;

namespace AgentRag.Ingestion.Extraction.Pdf;

/// <summary>
/// Extracts PDFs with poppler-utils (see docs/adr/0002-pdf-extraction-with-poppler.md): <c>pdfinfo</c> for page count,
/// metadata and encryption; <c>pdftotext</c> in reading order, one process per page range with the ranges in
/// parallel, its output split into pages on form feeds, without running headers and footers (<see cref="RunningHeaders"/>); the outline from <c>pdftohtml -xml</c>; and OCR with
/// <c>pdftoppm</c> + <c>tesseract</c> for pages without a text layer when tesseract is installed.
/// Thread-safe; each call uses its own processes and temporary folder.
/// </summary>
public sealed partial class PdfExtractor : IDocumentExtractor
{
    private readonly DocumentExtractionOptions _options;
    private readonly TimeProvider _timeProvider;

    public PdfExtractor(IOptions<DocumentExtractionOptions> options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _options.ThrowIfInvalid();
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>True when tesseract can be found, so pages without a text layer are OCR'd.</summary>
    public bool OcrAvailable => _options.OcrEnabled && TesseractPath is not null;

    private string? TesseractPath => _options.TesseractPath ?? ExecutableLocator.Find("tesseract");

    public bool CanExtract(string contentType) => contentType == ContentTypes.Pdf;

    /// <inheritdoc />
    public async Task<ExtractedDocument> ExtractAsync(DocumentSource source, IProgress<ExtractionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var path = Path.GetFullPath(source.Path); // absolute, so a name starting with '-' is never read as an option
        var info = await ReadInfoAsync(path, source.FileName, cancellationToken);

        var outlineTask = ReadOutlineAsync(path, source.FileName, cancellationToken);
        // Running headers and footers are page furniture, not text: without them a chapter's pages do not all match its title.
        var texts = RunningHeaders.Remove(await ExtractTextAsync(path, source.FileName, info.PageCount, progress, cancellationToken), out _);
        var warnings = new List<string>();
        var pages = await RecognizePagesWithoutTextAsync(path, source.FileName, texts, warnings, progress, cancellationToken);
        var (outline, outlineProblem) = await outlineTask;
        if (outlineProblem is not null)
        {
            warnings.Add(outlineProblem);
        }

        if (pages.All(p => p.Text.Length == 0))
        {
            warnings.Add(OcrAvailable
                ? "No page has text, and OCR recognized none."
                : "No page has a text layer, and OCR is unavailable (install tesseract-ocr to read scanned PDFs).");
        }

        var language = info.HasMetadataStream ? await ReadXmpLanguageAsync(path, source.FileName, cancellationToken) : null;
        return new ExtractedDocument
        {
            ContentType = ContentTypes.Pdf,
            Pages = pages,
            Headings = HeadingLocator.Locate(outline, pages),
            Metadata = new DocumentMetadata { Title = info.Title, Author = info.Author, CreatedAt = info.CreatedAt, Language = language },
            Warnings = warnings,
        };
    }

    private async Task<PdfInfo> ReadInfoAsync(string path, string fileName, CancellationToken cancellationToken)
    {
        var result = await RunPopplerAsync("pdfinfo", ["-isodates", "-enc", "UTF-8", path], fileName, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw ClassifyFailure(path, fileName, result);
        }

        var info = PdfInfo.Parse(result.Stdout);
        if (info.PageCount <= 0)
        {
            throw new DocumentExtractionException(fileName, ExtractionFailure.Corrupt, "pdfinfo reports no pages: the PDF has an empty or damaged page tree.");
        }

        return info;
    }

    private async Task<string?> ReadXmpLanguageAsync(string path, string fileName, CancellationToken cancellationToken)
    {
        var result = await RunPopplerAsync("pdfinfo", ["-meta", path], fileName, cancellationToken);
        return result.ExitCode == 0 ? PdfInfo.ParseXmpLanguage(result.Stdout) : null;
    }

    private async Task<(IReadOnlyList<OutlineEntry> Entries, string? Problem)> ReadOutlineAsync(string path, string fileName, CancellationToken cancellationToken)
    {
        using var workDirectory = new TemporaryDirectory();
        var result = await RunPopplerAsync("pdftohtml", ["-xml", "-i", "-stdout", "-q", "-f", "1", "-l", "1", path], fileName, cancellationToken, workDirectory.Path);
        if (result.ExitCode != 0)
        {
            return ([], $"The outline could not be read (pdftohtml exit code {result.ExitCode}: {result.FirstStderrLine}); headings are missing.");
        }

        var entries = PdfOutline.Parse(result.Stdout, out var problem);
        return (entries, problem);
    }

    /// <summary>Page texts indexed by page number - 1, from parallel pdftotext processes over contiguous page ranges.</summary>
    private async Task<string[]> ExtractTextAsync(string path, string fileName, int pageCount, IProgress<ExtractionProgress>? progress, CancellationToken cancellationToken)
    {
        var rangeCount = Math.Clamp((pageCount + _options.MinPagesPerRange - 1) / _options.MinPagesPerRange, 1, _options.EffectiveParallelRanges);
        var texts = new string[pageCount];
        var completed = 0;
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var ranges = Enumerable.Range(0, rangeCount).Select(async index =>
        {
            var first = 1 + (int)((long)pageCount * index / rangeCount);
            var last = (int)((long)pageCount * (index + 1) / rangeCount);
            try
            {
                var result = await RunPopplerAsync(
                    "pdftotext",
                    ["-enc", "UTF-8", "-f", first.ToString(CultureInfo.InvariantCulture), "-l", last.ToString(CultureInfo.InvariantCulture), path, "-"],
                    fileName,
                    failFast.Token,
                    onStdout: block =>
                    {
                        var pagesDone = block.Count('\f');
                        if (pagesDone > 0)
                        {
                            var done = Interlocked.Add(ref completed, pagesDone);
                            progress?.Report(new ExtractionProgress(done, pageCount, $"Extracting page {done}/{pageCount}"));
                        }
                    });
                if (result.ExitCode != 0)
                {
                    throw ClassifyFailure(path, fileName, result);
                }

                var pages = result.Stdout.Split('\f');
                // pdftotext ends every page with a form feed, so N pages give N+1 parts, the last one empty.
                if (pages.Length - 1 != last - first + 1)
                {
                    throw new DocumentExtractionException(fileName, ExtractionFailure.Corrupt,
                        $"pdftotext returned {pages.Length - 1} pages for pages {first}-{last}; the page tree is damaged.");
                }

                for (var i = 0; i < pages.Length - 1; i++)
                {
                    texts[first - 1 + i] = NormalizePageText(pages[i]);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await failFast.CancelAsync(); // the document fails as a whole; don't wait for the other ranges
                throw;
            }
        }).ToArray();

        try
        {
            await Task.WhenAll(ranges);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Another range failed and cancelled this one: report that failure, not the cancellation.
        }

        var failure = ranges.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return texts;
    }

    private async Task<IReadOnlyList<ExtractedPage>> RecognizePagesWithoutTextAsync(
        string path, string fileName, string[] texts, List<string> warnings, IProgress<ExtractionProgress>? progress, CancellationToken cancellationToken)
    {
        var pages = texts.Select((text, i) => new ExtractedPage(i + 1, text, text.Length > 0 ? PageTextSource.TextLayer : PageTextSource.None)).ToArray();
        var withoutText = pages.Where(p => p.Source == PageTextSource.None).Select(p => p.Number).ToArray();
        if (withoutText.Length == 0)
        {
            return pages;
        }

        var tesseract = _options.OcrEnabled ? TesseractPath : null;
        if (tesseract is null)
        {
            warnings.AddRange(withoutText.Select(n => $"Page {n} has no text layer" + (_options.OcrEnabled ? " and tesseract is not installed, so it was not OCR'd." : "; OCR is disabled.")));
            return pages;
        }

        var done = 0;
        using var workDirectory = new TemporaryDirectory();
        await Parallel.ForEachAsync(withoutText, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, async (number, ct) =>
        {
            var text = await RecognizePageAsync(path, fileName, number, tesseract, workDirectory.Path, ct);
            pages[number - 1] = new ExtractedPage(number, text, text.Length > 0 ? PageTextSource.Ocr : PageTextSource.None);
            var count = Interlocked.Increment(ref done);
            progress?.Report(new ExtractionProgress(count, withoutText.Length, $"Recognizing text (OCR) on page {number}, {count}/{withoutText.Length}"));
        });

        warnings.AddRange(pages.Where(p => p.Source == PageTextSource.None).Select(p => $"Page {p.Number} has no text layer and OCR found no text on it."));
        return pages;
    }

    private async Task<string> RecognizePageAsync(string path, string fileName, int number, string tesseract, string workDirectory, CancellationToken cancellationToken)
    {
        var page = number.ToString(CultureInfo.InvariantCulture);
        var imagePrefix = Path.Combine(workDirectory, "page-" + page);
        var render = await RunPopplerAsync(
            "pdftoppm",
            ["-r", _options.OcrDpi.ToString(CultureInfo.InvariantCulture), "-f", page, "-l", page, "-png", "-singlefile", path, imagePrefix],
            fileName,
            cancellationToken);
        if (render.ExitCode != 0)
        {
            throw new DocumentExtractionException(fileName, ExtractionFailure.Corrupt,
                $"page {number} could not be rendered for OCR (pdftoppm exit code {render.ExitCode}: {render.FirstStderrLine}).");
        }

        var image = imagePrefix + ".png";
        var ocr = await ExternalProcess.RunAsync(tesseract, [image, "stdout", "-l", _options.OcrLanguage], fileName, _options.ProcessTimeout, _timeProvider, cancellationToken: cancellationToken);
        File.Delete(image);
        if (ocr.ExitCode != 0)
        {
            throw new DocumentExtractionException(fileName, ExtractionFailure.ToolMissing,
                $"tesseract failed on page {number} (exit code {ocr.ExitCode}: {ocr.FirstStderrLine}); check that the '{_options.OcrLanguage}' language data is installed.");
        }

        return NormalizePageText(ocr.Stdout);
    }

    private Task<ProcessResult> RunPopplerAsync(
        string tool, IReadOnlyList<string> arguments, string fileName, CancellationToken cancellationToken, string? workingDirectory = null, Action<ReadOnlySpan<char>>? onStdout = null)
    {
        return ExternalProcess.RunAsync(_options.PopplerTool(tool), arguments, fileName, _options.ProcessTimeout, _timeProvider, onStdout, workingDirectory, cancellationToken);
    }

    /// <summary>Line endings become '\n' and trailing whitespace goes, so a page that is only whitespace is "".</summary>
    private static string NormalizePageText(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd();

    /// <summary>Turns poppler's failure into a precise reason: password, truncation, corruption, or the tool's own words.</summary>
    private static DocumentExtractionException ClassifyFailure(string path, string fileName, ProcessResult result)
    {
        var stderr = result.Stderr;
        if (stderr.Contains("Incorrect password", StringComparison.OrdinalIgnoreCase))
        {
            return new DocumentExtractionException(fileName, ExtractionFailure.Encrypted,
                "the PDF is password protected (encrypted with a user password); upload an unprotected copy.");
        }

        if (stderr.Contains("Document stream is empty", StringComparison.Ordinal))
        {
            return new DocumentExtractionException(fileName, ExtractionFailure.Empty, "the file is empty (0 bytes).");
        }

        if (stderr.Contains("Syntax Error", StringComparison.Ordinal) || stderr.Contains("xref", StringComparison.OrdinalIgnoreCase))
        {
            return LooksTruncated(path)
                ? new DocumentExtractionException(fileName, ExtractionFailure.Truncated,
                    $"the PDF is truncated: it ends after {new FileInfo(path).Length:N0} bytes without the '%%EOF' end marker or a readable cross-reference table ({result.FirstStderrLine}).")
                : new DocumentExtractionException(fileName, ExtractionFailure.Corrupt,
                    $"the PDF is damaged and cannot be parsed ({result.FirstStderrLine}).");
        }

        // poppler exit codes: 1 open error, 2 output file error, 3 permission error, 99 other.
        return result.ExitCode == 3
            ? new DocumentExtractionException(fileName, ExtractionFailure.Encrypted, $"the PDF's permissions forbid extracting its text ({result.FirstStderrLine}).")
            : new DocumentExtractionException(fileName, ExtractionFailure.Corrupt,
                $"poppler could not read the PDF (exit code {result.ExitCode}: {(result.FirstStderrLine.Length > 0 ? result.FirstStderrLine : "no message")}).");
    }

    /// <summary>
    /// A truncated PDF still has real objects ("12 0 obj") near its start but lacks the "%%EOF" marker near its end;
    /// a corrupt one has neither structure nor marker.
    /// </summary>
    private static bool LooksTruncated(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var head = new byte[(int)Math.Min(stream.Length, 64 * 1024)];
        stream.ReadExactly(head);
        var tail = new byte[(int)Math.Min(stream.Length, 1024)];
        stream.Seek(-tail.Length, SeekOrigin.End);
        stream.ReadExactly(tail);
        var hasEndMarker = tail.AsSpan().IndexOf("%%EOF"u8) >= 0;
        return !hasEndMarker && ObjectHeader().IsMatch(Encoding.Latin1.GetString(head));
    }

    [GeneratedRegex(@"\d+\s+\d+\s+obj\b", RegexOptions.CultureInvariant)]
    private static partial Regex ObjectHeader();
}
