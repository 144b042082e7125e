using System.Text;
using PdfSharp;
using PdfSharp.Drawing;
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

    /// <summary>
    /// Writes a PDF with one page per entry of <paramref name="pages"/>, each line of an entry a line of text from the top
    /// of the page down (Helvetica, one of the standard fonts every reader has, so no font file is needed; Latin-1 text).
    /// An empty line leaves a gap.
    /// </summary>
    public static void WriteTextPages(string path, IReadOnlyList<IReadOnlyList<string>> pages)
    {
        ArgumentNullException.ThrowIfNull(pages);
        using var document = new PdfDocument();
        var font = new PdfDictionary(document);
        font.Elements["/Type"] = new PdfName("/Font");
        font.Elements["/Subtype"] = new PdfName("/Type1");
        font.Elements["/BaseFont"] = new PdfName("/Helvetica");
        font.Elements["/Encoding"] = new PdfName("/WinAnsiEncoding");
        document.Internals.AddObject(font);
        foreach (var lines in pages)
        {
            var page = document.AddPage();
            page.Width = XUnit.FromPoint(612);
            page.Height = XUnit.FromPoint(792);
            var fonts = new PdfDictionary(document);
            fonts.Elements["/F1"] = font.Reference;
            page.Resources.Elements["/Font"] = fonts;
            var content = new StringBuilder("BT /F1 11 Tf 14 TL 72 740 Td\n");
            foreach (var line in lines)
            {
                content.Append('(').Append(line.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("(", "\\(", StringComparison.Ordinal).Replace(")", "\\)", StringComparison.Ordinal))
                    .Append(") Tj T*\n");
            }

            content.Append("ET");
            page.Contents.CreateSingleContent().Stream.Value = Encoding.Latin1.GetBytes(content.ToString());
        }

        document.Save(path);
    }
}
