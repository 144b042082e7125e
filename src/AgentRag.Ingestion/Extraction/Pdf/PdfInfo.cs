using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentRag.Ingestion.Extraction.Pdf;

/// <summary>What <c>pdfinfo -isodates -enc UTF-8</c> reports about a PDF.</summary>
internal sealed record PdfInfo(int PageCount, string? Title, string? Author, DateTimeOffset? CreatedAt, bool Encrypted, bool HasMetadataStream)
{
    /// <summary>Parses pdfinfo's "Key:   value" lines; unknown keys are ignored.</summary>
    public static PdfInfo Parse(string output)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                fields.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
            }
        }

        return new PdfInfo(
            PageCount: fields.TryGetValue("Pages", out var pages) && int.TryParse(pages, CultureInfo.InvariantCulture, out var count) ? count : 0,
            Title: NullIfBlank(fields.GetValueOrDefault("Title")),
            Author: NullIfBlank(fields.GetValueOrDefault("Author")),
            CreatedAt: fields.TryGetValue("CreationDate", out var created)
                && DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) ? date : null,
            Encrypted: fields.GetValueOrDefault("Encrypted")?.StartsWith("yes", StringComparison.Ordinal) == true,
            HasMetadataStream: fields.GetValueOrDefault("Metadata Stream") == "yes");
    }

    /// <summary>The document language an XMP metadata packet states (<c>dc:language</c>), or null.</summary>
    public static string? ParseXmpLanguage(string xmp)
    {
        var element = Regex.Match(xmp, "<dc:language>(.*?)</dc:language>", RegexOptions.Singleline, TimeSpan.FromSeconds(1));
        if (!element.Success)
        {
            return null;
        }

        // The value is either text or an rdf:Bag of rdf:li items; the first language wins.
        var text = Regex.Replace(element.Groups[1].Value, "<[^>]+>", " ", RegexOptions.None, TimeSpan.FromSeconds(1));
        return text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
