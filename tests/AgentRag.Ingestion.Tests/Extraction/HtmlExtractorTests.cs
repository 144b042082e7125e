using AgentRag.Core.Documents;
using AgentRag.Ingestion.Extraction;
using AgentRag.Ingestion.Extraction.Html;
using AgentRag.TestKit;

namespace AgentRag.Ingestion.Tests.Extraction;

public sealed class HtmlExtractorTests : IDisposable
{
    private readonly TempDirectory _temp = new("agentrag-html");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ExtractAsync_FhsHtml_HeadingPathsFollowTheDocumentStructure()
    {
        var (document, chunks) = await ExtractedCorpus.ChunkCorpusFileAsync("fhs-3.0.html");

        document.ContentType.ShouldBe(ContentTypes.Html);
        document.Metadata.Title.ShouldBe("Filesystem Hierarchy Standard");
        document.HasPhysicalPages.ShouldBeFalse();
        var chunk = chunks.ChunkContaining("There must be no subdirectories in /bin");
        chunk.HeadingPath.ShouldBe("Chapter 3. The Root Filesystem > 3.4. /bin : Essential user command binaries (for use by all users) > 3.4.2. Requirements");
        chunk.Pages.ShouldBeEmpty();
        ChunkSpans.TryLocate(chunk, "There must be no subdirectories in /bin", out var span).ShouldBeTrue();
        span.Page.ShouldBe(0);
        document.Pages[0].Text[span.Start..span.End].ShouldBe("There must be no subdirectories in /bin");
    }

    [Fact]
    public async Task ExtractAsync_DocBookPageWithNavigationBars_DropsThemKeepingTheContent()
    {
        var path = Path.Combine(_temp.Path, "chapter.html");
        await File.WriteAllTextAsync(path, """
            <html><head><title>Chapter 2. Menu Structure</title></head><body>
            <div class="navheader"><table width="100%"><tr><th colspan="3" align="center">Chapter 2. Menu Structure</th></tr>
            <tr><td><a accesskey="p" href="ch1.html">Prev</a> </td><th> </th><td> <a accesskey="n" href="ch3.html">Next</a></td></tr></table><hr></div>
            <div class="chapter"><h2>Chapter 2. Menu Structure</h2><p>Packages must be placed in leaf sections of the menu.</p></div>
            <table><tr><td><a href="ch1.html">Prev</a></td><td>|</td><td><a href="index.html">Up</a></td><td>|</td><td><a href="ch3.html">Next</a></td></tr></table>
            <p><a href="index.html">Table of Contents</a></p>
            </body></html>
            """);

        var document = await ExtractionServices.Registry().ExtractAsync(path);

        var text = document.Pages[0].Text;
        text.ShouldContain("Packages must be placed in leaf sections of the menu.");
        text.ShouldNotContain("Prev");
        text.ShouldNotContain("Next");
        text.ShouldNotContain("Table of Contents");
        text.Split("Chapter 2. Menu Structure").Length.ShouldBe(2); // the heading once, not the navigation bar's copy
    }

    [Fact]
    public async Task ExtractAsync_FhsHtml_TableRowsKeepTheirHeader()
    {
        var (document, chunks) = await ExtractedCorpus.ChunkCorpusFileAsync("fhs-3.0.html");

        var table = document.Tables.First(t => document.Pages[0].Text[t.Start..t.End].Contains("| chown |", StringComparison.Ordinal));
        table.HeaderRowCount.ShouldBe(1);
        var header = document.Pages[0].Text[table.Rows[0].Start..table.Rows[0].End];
        header.ShouldBe("| Command | Description |");
        chunks.Where(c => c.Text.Contains("| chown | Utility to change file owner and group |", StringComparison.Ordinal))
            .ShouldAllBe(c => c.Text.Contains(header));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ExtractAsync_FhsHtmlInUtf16WithoutBom_ReadsTheSameTextAsUtf8(bool bigEndian)
    {
        // The page declares <meta charset=UTF-8>, which its UTF-16 bytes contradict: the bytes must win.
        var document = await ExtractedCorpus.ShouldReadAsTheCorpusFileAsync(_temp.WriteUtf16WithoutBom("fhs-3.0.html", bigEndian), "fhs-3.0.html");

        document.Pages[0].Text.ShouldContain("Filesystem Hierarchy Standard");
    }

    [Fact]
    public async Task ExtractAsync_PageChrome_KeepsOnlyContent()
    {
        var path = _temp.WriteText("page.html", """
            <!DOCTYPE html>
            <html lang="de"><head><title>Guide</title><meta name="author" content="Ada"><style>p { color: red }</style></head>
            <body>
              <header><a href="/">Home</a> | <a href="/about">About</a></header>
              <nav><ul><li>Menu one</li><li>Menu two</li></ul></nav>
              <main>
                <h1>Install</h1>
                <p>Run the   installer
                   twice.<br>Then reboot.</p>
                <ol start="3"><li>Third step<ul><li>Detail</li></ul></li><li>Fourth step</li></ol>
                <pre>make
              make install</pre>
                <script>var tracking = 1;</script>
                <div hidden>Invisible</div>
              </main>
              <footer>© Example Corp</footer>
            </body></html>
            """);

        var (document, _) = await ExtractedCorpus.ChunkAsync(path);

        document.Pages[0].Text.ShouldBe("Install\n\nRun the installer twice.\nThen reboot.\n\n3. Third step\n  - Detail\n4. Fourth step\n\nmake\n  make install");
        document.Headings.ShouldHaveSingleItem().ShouldBe(new DocumentHeading(1, "Install", 0, 0));
        document.Blocks.ShouldContain(b => b.Kind == TextBlockKind.Code);
        document.Metadata.ShouldBe(new DocumentMetadata { Title = "Guide", Author = "Ada", Language = "de" });
    }

    [Fact]
    public async Task ExtractAsync_LongTable_EveryChunkRepeatsTheHeaderRow()
    {
        var rows = string.Concat(Enumerable.Range(1, 150).Select(i => $"<tr><td>package-{i}</td><td>Version {i}.0 of the package, released in spring</td></tr>"));
        var path = _temp.WriteText("table.html", $"<html><body><h1>Packages</h1><table><thead><tr><th>Name</th><th>Notes</th></tr></thead><tbody>{rows}</tbody></table></body></html>");

        var (_, chunks) = await ExtractedCorpus.ChunkAsync(path);

        var tableChunks = chunks.Where(c => c.Text.Contains("| package-", StringComparison.Ordinal)).ToList();
        tableChunks.Count.ShouldBeGreaterThan(3);
        tableChunks.ShouldAllBe(c => c.Text.Contains("| Name | Notes |\n| package-"));
        tableChunks.ShouldAllBe(c => c.TokenCount <= 512 && c.HeadingPath == "Packages");
    }

    [Fact]
    public async Task ExtractAsync_NoBodyText_ThrowsNoText()
    {
        var path = _temp.WriteText("empty-body.html", "<html><head><title>Nothing</title><script>x()</script></head><body><nav>Menu</nav> </body></html>");

        var error = await Should.ThrowAsync<DocumentExtractionException>(() => ExtractionServices.Registry().ExtractAsync(path));

        error.Failure.ShouldBe(ExtractionFailure.NoText);
        error.Message.ShouldBe("Cannot extract 'empty-body.html': the HTML has no text in its body (after removing scripts, styles, navigation and page chrome).");
    }

    [Fact]
    public async Task ExtractAsync_NestedOneDeeperThanTheLimit_ThrowsCorruptNamingTheLimit()
    {
        var depth = HtmlExtractor.MaxNesting + 1;
        var path = _temp.WriteText("deep.html", "<html><body>" + string.Concat(Enumerable.Repeat("<div>", depth)) + "deep" + string.Concat(Enumerable.Repeat("</div>", depth)) + "</body></html>");

        var error = await Should.ThrowAsync<DocumentExtractionException>(() => ExtractionServices.Registry().ExtractAsync(path));

        error.Failure.ShouldBe(ExtractionFailure.Corrupt);
        // The offending <div> starts after the 12 bytes of <html><body> and 1,000 <div>s of 5 bytes.
        error.Message.ShouldBe("Cannot extract 'deep.html': the HTML nests elements more than 1,000 deep (at byte 5,012); no real page does.");
    }

    [Fact]
    public async Task ExtractAsync_NestedToTheLimitWithUnclosedParagraphsAndScripts_ReadsTheText()
    {
        // Unclosed <p>/<li>, void elements, self-closing tags, comments and script text never deepen the count.
        var depth = HtmlExtractor.MaxNesting;
        var noise = string.Concat(Enumerable.Repeat("<p>para<li>item<br><img src=x /><!-- <div> --><script>if (a<b) { x('<div>'); }</script>", 2_000));
        var path = _temp.WriteText("deep-enough.html", "<html><body>" + noise + string.Concat(Enumerable.Repeat("<span>", depth - 1)) + "deep text" + string.Concat(Enumerable.Repeat("</span>", depth - 1)) + "</body></html>");

        var document = await ExtractionServices.Registry().ExtractAsync(path);

        document.Pages[0].Text.ShouldContain("deep text");
    }
}
