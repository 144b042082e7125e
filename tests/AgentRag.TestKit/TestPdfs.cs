using PdfSharp;
using PdfSharp.Pdf;

namespace AgentRag.TestKit;

/// <summary>PDF fixtures written on the fly with PDFsharp, for inputs the shared corpus does not have.</summary>
public static class TestPdfs
{
    static TestPdfs()
    {
        // PDFsharp 6.5 refuses to work until a license is chosen; fixtures are built under its AGPL license.
        PdfSharpLicense.SetAgplLicense();
    }

    /// <summary>A new, empty document (the license is set before any PDFsharp use).</summary>
    public static PdfDocument NewDocument() => new();

    /// <summary>Writes a one-page PDF that needs <paramref name="userPassword"/> to open.</summary>
    public static void WritePasswordProtected(string path, string userPassword)
    {
        using var document = new PdfDocument();
        document.AddPage();
        document.SecuritySettings.UserPassword = userPassword;
        document.SecuritySettings.OwnerPassword = userPassword + "-owner";
        document.Save(path);
    }
}
