namespace AgentRag.Ingestion.Extraction;

/// <summary>MIME types the content detector reports.</summary>
public static class ContentTypes
{
    public const string Pdf = "application/pdf";
    public const string Docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    public const string Html = "text/html";
    public const string Markdown = "text/markdown";
    public const string PlainText = "text/plain";

    /// <summary>A ZIP archive that is not a Word document.</summary>
    public const string Zip = "application/zip";

    /// <summary>Binary data of no supported kind.</summary>
    public const string Binary = "application/octet-stream";

    /// <summary>A short human name for messages, e.g. "a PDF document".</summary>
    public static string Describe(string contentType) => contentType switch
    {
        Pdf => "a PDF document",
        Docx => "a Word (DOCX) document",
        Html => "HTML",
        Markdown => "Markdown",
        PlainText => "plain text",
        Zip => "a ZIP archive",
        Binary => "binary data",
        _ => contentType,
    };
}
