using AgentRag.Core.Documents;
using AgentRag.Ingestion.Extraction;
using AgentRag.TestKit;

namespace AgentRag.Ingestion.Tests.Extraction;

public sealed class PdfExtractorTests(RIntroFixture rIntro) : IClassFixture<RIntroFixture>
{
    [Fact]
    public void ExtractAsync_RIntro_Returns113PhysicalPagesWithTextLayer()
    {
        rIntro.Document.ContentType.ShouldBe(ContentTypes.Pdf);
        rIntro.Document.Pages.Select(p => p.Number).ShouldBe(Enumerable.Range(1, 113));
        rIntro.Document.HasPhysicalPages.ShouldBeTrue();
        rIntro.Document.Pages.Count(p => p.Source == PageTextSource.TextLayer).ShouldBeGreaterThan(100);
        rIntro.Document.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public void ExtractAsync_RIntro_SplitsPagesOnFormFeeds()
    {
        // Physical page 14 is printed page 8 and opens chapter 2; the page number, a running line, is not text.
        var page14 = rIntro.PageText(14);
        page14.ShouldStartWith("2 Simple manipulations; numbers and vectors");
        page14.ShouldContain("2.1 Vectors and assignment");
        page14.ShouldContain("Notice that the assignment operator");
        page14.ShouldNotContain('\f');
        rIntro.PageText(13).ShouldNotContain("2.1 Vectors and assignment");
    }

    [Fact]
    public void ExtractAsync_RIntro_PlacesOutlineHeadingsOnTheirPrintedLines()
    {
        var headings = rIntro.Document.Headings;
        var chapter = headings.Single(h => h.Title == "2 Simple manipulations; numbers and vectors");
        chapter.Level.ShouldBe(1);
        chapter.Page.ShouldBe(14);
        var section = headings.Single(h => h.Title == "2.1 Vectors and assignment");
        section.Level.ShouldBe(2);
        section.Page.ShouldBe(14);
        rIntro.PageText(14)[section.Offset..].ShouldStartWith("2.1 Vectors and assignment\n");
        headings.ShouldContain(h => h.Title == "5.1 Arrays" && h.Page == 26);
        headings.Select(h => (h.Page, h.Offset)).ShouldBe(headings.Select(h => (h.Page, h.Offset)).Order());
    }

    [Fact]
    public void ExtractAsync_RIntro_ReportsPageProgressUpToTheLastPage()
    {
        rIntro.Progress.ShouldNotBeEmpty();
        rIntro.Progress.Select(p => p.Completed).ShouldBe(rIntro.Progress.Select(p => p.Completed).Order());
        rIntro.Progress[^1].Message.ShouldBe("Extracting page 113/113");
        rIntro.Progress.ShouldAllBe(p => p.Total == 113);
    }

    [Theory]
    [InlineData("R-intro.pdf", 113, true)]
    [InlineData("R-data.pdf", 41, true)]
    [InlineData("gnuplot.pdf", 311, true)]
    [InlineData("fhs-3.0.pdf", 50, false)] // FOP wrote no bookmarks
    public async Task ExtractAsync_CorpusPdf_ReturnsEveryPhysicalPage(string file, int pages, bool hasOutline)
    {
        var document = await ExtractionServices.Registry().ExtractAsync(SharedPaths.CorpusFile(file));

        document.Pages.Count.ShouldBe(pages);
        document.Pages.Select(p => p.Number).ShouldBe(Enumerable.Range(1, pages));
        document.Pages.ShouldAllBe(p => p.Source == PageTextSource.TextLayer || p.Text.Length == 0);
        (document.Headings.Count > 0).ShouldBe(hasOutline);
    }

    [Fact]
    public async Task ExtractAsync_Gnuplot_ReadsInfoDictionaryMetadata()
    {
        var document = await ExtractionServices.Registry().ExtractAsync(SharedPaths.CorpusFile("gnuplot.pdf"));

        document.Metadata.Title.ShouldBe("gnuplot documentation");
        document.Metadata.Author.ShouldBe("gnuplot");
        document.Metadata.CreatedAt.ShouldBe(new DateTimeOffset(2022, 10, 20, 0, 9, 42, TimeSpan.Zero));
    }

    [Fact]
    public async Task ExtractAsync_FhsWithXmpMetadata_ReadsStatedLanguage()
    {
        var document = await ExtractionServices.Registry().ExtractAsync(SharedPaths.CorpusFile("fhs-3.0.pdf"));

        document.Metadata.Language.ShouldBe("en");
        document.Metadata.CreatedAt.ShouldBe(new DateTimeOffset(2015, 5, 18, 20, 37, 19, TimeSpan.Zero));
        rIntro.Document.Metadata.Language.ShouldBeNull(); // R-intro states no language
    }

    [Fact]
    public async Task ExtractAsync_OneParallelRangePerPage_GivesSamePagesAsDefaultRanges()
    {
        var oneRangePerFewPages = ExtractionServices.Registry(o => { o.MaxParallelRanges = 16; o.MinPagesPerRange = 1; });

        var document = await oneRangePerFewPages.ExtractAsync(SharedPaths.CorpusFile("R-intro.pdf"));

        document.Pages.Select(p => p.Text).ShouldBe(rIntro.Document.Pages.Select(p => p.Text));
    }

    [Fact]
    public async Task ExtractAsync_Cancelled_ThrowsOperationCanceled()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(
            () => ExtractionServices.Registry().ExtractAsync(SharedPaths.CorpusFile("gnuplot.pdf"), cancellationToken: cancellation.Token));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // the stand-in tool is a shell script
    public async Task ExtractAsync_ProcessOutlivesTimeout_KillsItAndThrowsTransientTimeout()
    {
        // A pdfinfo that never finishes, so only the time limit can end it.
        using var tools = new TempDirectory();
        var hangingPdfInfo = tools.Combine("pdfinfo");
        await File.WriteAllTextAsync(hangingPdfInfo, "#!/bin/sh\nexec sleep 600\n");
        File.SetUnixFileMode(hangingPdfInfo, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var clock = new ManualTimeProvider();
        var options = Microsoft.Extensions.Options.Options.Create(new DocumentExtractionOptions { PopplerDirectory = tools.Path, ProcessTimeout = TimeSpan.FromSeconds(30) });
        var extractor = new AgentRag.Ingestion.Extraction.Pdf.PdfExtractor(options, clock);
        var file = SharedPaths.CorpusFile("R-data.pdf");

        var extraction = extractor.ExtractAsync(new DocumentSource(file, "R-data.pdf", ContentTypes.Pdf));
        (await clock.AdvanceToNextTimerAsync(TimeSpan.FromSeconds(31))).ShouldBe(TimeSpan.FromSeconds(30)); // the time limit, once armed

        var error = await Should.ThrowAsync<DocumentExtractionException>(() => extraction);
        error.Failure.ShouldBe(ExtractionFailure.Timeout);
        error.IsTransient.ShouldBeTrue();
        error.Message.ShouldContain("R-data.pdf");
        error.Message.ShouldContain("ProcessTimeout");
    }

    [Fact]
    public async Task ExtractAsync_PopplerMissing_ThrowsToolMissingNamingTheTool()
    {
        using var empty = new TempDirectory();
        var misconfigured = ExtractionServices.Registry(o => o.PopplerDirectory = empty.Path);

        var error = await Should.ThrowAsync<DocumentExtractionException>(() => misconfigured.ExtractAsync(SharedPaths.CorpusFile("R-data.pdf")));

        error.Failure.ShouldBe(ExtractionFailure.ToolMissing);
        error.IsTransient.ShouldBeFalse();
        error.Message.ShouldContain("pdfinfo");
    }
}
