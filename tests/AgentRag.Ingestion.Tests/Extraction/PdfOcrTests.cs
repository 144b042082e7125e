using AgentRag.Ingestion.Extraction;
using AgentRag.TestKit;
using PdfSharp.Drawing;

namespace AgentRag.Ingestion.Tests.Extraction;

/// <summary>A PDF whose only page is a picture of R-intro's page 14: no text layer, but readable text.</summary>
public sealed class PdfOcrTests : IDisposable
{
    private readonly TempDirectory _temp = new("agentrag-pdf-ocr");

    private static bool TesseractInstalled =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(dir => File.Exists(Path.Combine(dir, "tesseract")));

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ExtractAsync_ImageOnlyPage_RecognizesItsTextWithTesseractOrWarnsWithout()
    {
        var path = await CreateImageOnlyPdfAsync();
        var registry = ExtractionServices.Registry(o => o.OcrDpi = 200);

        var document = await registry.ExtractAsync(path);

        var page = document.Pages.ShouldHaveSingleItem();
        if (TesseractInstalled)
        {
            page.Source.ShouldBe(PageTextSource.Ocr);
            // OCR is not exact; a few prominent phrases of the page must come through.
            page.Text.ShouldContain("Vectors and assignment", Case.Insensitive);
            page.Text.ShouldContain("assignment operator", Case.Insensitive);
            document.Warnings.ShouldBeEmpty();
        }
        else
        {
            page.Source.ShouldBe(PageTextSource.None);
            document.Warnings.ShouldContain("Page 1 has no text layer and tesseract is not installed, so it was not OCR'd.");
        }
    }

    [Fact]
    public async Task ExtractAsync_ImageOnlyPageWithOcrDisabled_WarnsNoTextLayer()
    {
        var path = await CreateImageOnlyPdfAsync();
        var registry = ExtractionServices.Registry(o => o.OcrEnabled = false);

        var document = await registry.ExtractAsync(path);

        var page = document.Pages.ShouldHaveSingleItem();
        page.Source.ShouldBe(PageTextSource.None);
        page.Text.ShouldBeEmpty();
        document.Warnings.ShouldContain("Page 1 has no text layer; OCR is disabled.");
    }

    private async Task<string> CreateImageOnlyPdfAsync()
    {
        // Render a real page with poppler, then wrap the picture alone in a new PDF.
        var imagePrefix = _temp.Combine("page");
        using (var render = System.Diagnostics.Process.Start("pdftoppm", ["-r", "150", "-f", "14", "-l", "14", "-png", "-singlefile", SharedPaths.CorpusFile("R-intro.pdf"), imagePrefix]))
        {
            await render.WaitForExitAsync();
            render.ExitCode.ShouldBe(0);
        }

        var path = _temp.Combine("scanned.pdf");
        using var document = TestPdfs.NewDocument();
        var page = document.AddPage();
        page.Width = XUnit.FromPoint(612);
        page.Height = XUnit.FromPoint(792);
        using (var graphics = XGraphics.FromPdfPage(page))
        using (var image = XImage.FromFile(imagePrefix + ".png"))
        {
            graphics.DrawImage(image, 0, 0, 612, 792);
        }

        document.Save(path);
        return path;
    }
}
