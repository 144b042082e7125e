using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
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

    /// <summary>The font <see cref="WriteTextPages"/> draws with (Debian's fonts-dejavu-core, which test.sh installs).</summary>
    public const string FontFile = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    /// <summary>
    /// Writes a PDF with one page per entry of <paramref name="pages"/>, each line of an entry a line of text from the top
    /// of the page down (DejaVu Sans, embedded). An empty line leaves a gap.
    /// </summary>
    public static void WriteTextPages(string path, IReadOnlyList<IReadOnlyList<string>> pages)
    {
        ArgumentNullException.ThrowIfNull(pages);
        lock (FontGate)
        {
            GlobalFontSettings.FontResolver ??= new FileFontResolver();
        }

        using var document = new PdfDocument();
        var font = new XFont("DejaVu Sans", 11);
        foreach (var lines in pages)
        {
            var page = document.AddPage();
            page.Width = XUnit.FromPoint(612);
            page.Height = XUnit.FromPoint(792);
            using var graphics = XGraphics.FromPdfPage(page);
            var y = 60.0;
            foreach (var line in lines)
            {
                if (line.Length > 0)
                {
                    graphics.DrawString(line, font, XBrushes.Black, new XPoint(72, y));
                }

                y += 16;
            }
        }

        document.Save(path);
    }

    private static readonly object FontGate = new();

    /// <summary>Every family and style is <see cref="FontFile"/>: enough for test fixtures, and no font lookup by name.</summary>
    private sealed class FileFontResolver : IFontResolver
    {
        public FontResolverInfo ResolveTypeface(string familyName, bool bold, bool italic) => new("DejaVuSans");

        public byte[] GetFont(string faceName) => File.ReadAllBytes(FontFile);
    }
}
