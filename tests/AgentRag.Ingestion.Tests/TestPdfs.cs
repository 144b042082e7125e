using PdfSharp;
using PdfSharp.Pdf;

namespace AgentRag.Ingestion.Tests;

/// <summary>Creates PDF fixtures with PDFsharp (test-only; the product reads PDFs with poppler).</summary>
internal static class TestPdfs
{
    static TestPdfs()
    {
        // PDFsharp 6.5 refuses to work until a license is chosen; fixtures are built under its AGPL license.
        PdfSharpLicense.SetAgplLicense();
    }

    public static PdfDocument NewDocument() => new();
}
