using System.IO.Compression;
using System.Text;

namespace AgentRag.Ingestion.Extraction;

/// <summary>
/// Detects a file's content type from its bytes. The extension only breaks ties the bytes cannot settle
/// (Markdown versus plain text), and a binary container extension (.pdf, .docx) whose bytes are something else is
/// rejected rather than guessed around. Stateless and thread-safe.
/// </summary>
public sealed class ContentTypeDetector
{
    /// <summary>How much of the file the text/binary heuristic looks at.</summary>
    private const int SampleSize = 8192;

    /// <summary>PDF readers accept the header anywhere in the first 1024 bytes (junk before it is common).</summary>
    private const int PdfHeaderWindow = 1024;

    private static readonly string[] _markdownExtensions = [".md", ".markdown", ".mdown", ".mkd"];
    private static readonly string[] _htmlExtensions = [".html", ".htm", ".xhtml"];
    private static readonly string[] _textExtensions = [".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml", ".csv", ".log", ".rst"];

    /// <summary>
    /// Returns the content type (a <see cref="ContentTypes"/> value) of the file at <paramref name="path"/>, whose
    /// user-facing name is <paramref name="fileName"/>. Throws <see cref="DocumentExtractionException"/> when the file
    /// is empty (<see cref="ExtractionFailure.Empty"/>), when its extension promises a PDF or DOCX its bytes are not,
    /// or a text extension promises text its bytes are not (<see cref="ExtractionFailure.ContentMismatch"/>), or when it cannot be read (<see cref="ExtractionFailure.Io"/>).
    /// Unsupported content is not an error here: it is reported as <see cref="ContentTypes.Binary"/> or <see cref="ContentTypes.Zip"/>.
    /// </summary>
    public string Detect(string path, string? fileName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        fileName ??= Path.GetFileName(path);
        var extension = Path.GetExtension(fileName).ToLowerInvariant();

        byte[] sample;
        long length;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            length = stream.Length;
            sample = new byte[(int)Math.Min(SampleSize, length)];
            stream.ReadExactly(sample);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DocumentExtractionException(fileName, ExtractionFailure.NotFound, "the file does not exist.", ex);
        }
        catch (IOException ex)
        {
            throw new DocumentExtractionException(fileName, ExtractionFailure.Io, $"reading the file failed: {ex.Message}", ex);
        }

        if (length == 0)
        {
            throw new DocumentExtractionException(fileName, ExtractionFailure.Empty, "the file is empty (0 bytes).");
        }

        var detected = DetectFromBytes(path, sample, extension);
        if (extension == ".pdf" && detected != ContentTypes.Pdf)
        {
            throw new DocumentExtractionException(fileName, ExtractionFailure.ContentMismatch,
                $"the name ends in .pdf but the content is {ContentTypes.Describe(detected)}: it does not start with the '%PDF-' header.");
        }

        if (extension == ".docx" && detected != ContentTypes.Docx)
        {
            throw new DocumentExtractionException(fileName, ExtractionFailure.ContentMismatch, detected == ContentTypes.Zip
                ? "the name ends in .docx but the content is a ZIP archive without the Word parts '[Content_Types].xml' and 'word/document.xml'."
                : $"the name ends in .docx but the content is {ContentTypes.Describe(detected)}, not a ZIP-based Word document.");
        }

        if (detected == ContentTypes.Binary && _textExtensions.Contains(extension))
        {
            throw new DocumentExtractionException(fileName, ExtractionFailure.ContentMismatch,
                $"the name ends in {extension} but the content is binary data (it contains NUL bytes or control characters), not text.");
        }

        return detected;
    }

    private static string DetectFromBytes(string path, byte[] sample, string extension)
    {
        if (HasPdfHeader(sample))
        {
            return ContentTypes.Pdf;
        }

        if (sample.AsSpan().StartsWith("PK\x03\x04"u8))
        {
            return IsWordPackage(path) ? ContentTypes.Docx : ContentTypes.Zip;
        }

        if (TextEncodingDetector.Detect(sample) is not { } encoding)
        {
            return ContentTypes.Binary;
        }

        if (_markdownExtensions.Contains(extension))
        {
            return ContentTypes.Markdown;
        }

        if (_htmlExtensions.Contains(extension) || StartsWithHtmlMarkup(TextEncodingDetector.DecodeSample(sample, encoding)))
        {
            return ContentTypes.Html;
        }

        return ContentTypes.PlainText;
    }

    private static bool HasPdfHeader(byte[] sample) =>
        sample.AsSpan(0, Math.Min(sample.Length, PdfHeaderWindow)).IndexOf("%PDF-"u8) >= 0;

    /// <summary>Reads only the ZIP central directory (entry names), never the entries' contents.</summary>
    private static bool IsWordPackage(string path)
    {
        try
        {
            using var archive = ZipFile.OpenRead(path);
            var names = archive.Entries.Select(e => e.FullName).ToHashSet(StringComparer.OrdinalIgnoreCase);
            return names.Contains("[Content_Types].xml") && names.Contains("word/document.xml");
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    private static bool StartsWithHtmlMarkup(string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.StartsWith("<?xml", StringComparison.OrdinalIgnoreCase))
        {
            return trimmed.Contains("<html", StringComparison.OrdinalIgnoreCase);
        }

        // Comments may precede the doctype; look past them only for the element names that begin a page.
        while (trimmed.StartsWith("<!--", StringComparison.Ordinal))
        {
            var end = trimmed.IndexOf("-->", StringComparison.Ordinal);
            if (end < 0)
            {
                return false;
            }

            trimmed = trimmed[(end + 3)..].TrimStart();
        }

        foreach (var opening in (string[])["<!doctype html", "<html", "<head", "<body", "<title", "<meta"])
        {
            if (trimmed.StartsWith(opening, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
