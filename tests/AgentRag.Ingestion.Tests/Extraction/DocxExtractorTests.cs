using System.IO.Compression;
using AgentRag.Ingestion.Extraction;
using AgentRag.TestKit;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace AgentRag.Ingestion.Tests.Extraction;

public sealed class DocxExtractorTests : IDisposable
{
    private readonly TempDirectory _temp = new("agentrag-docx");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ExtractAsync_DebianMenuPolicy_HeadingsFromStylesAndTitleFromProperties()
    {
        var (document, chunks) = await ExtractedCorpus.ChunkCorpusFileAsync("debian-menu-policy-ch2.docx");

        document.ContentType.ShouldBe(ContentTypes.Docx);
        document.Metadata.Title.ShouldBe("Chapter 2. Menu Structure");
        document.Headings.ShouldContain(h => h.Level == 1 && h.Title == "Chapter 2. Menu Structure");
        document.Headings.ShouldContain(h => h.Level == 2 && h.Title == "2.1. Preferred menu structure");
        chunks.ChunkContaining("Applications/Science/Geoscience").HeadingPath.ShouldBe("Chapter 2. Menu Structure > 2.1. Preferred menu structure");
        chunks.ShouldAllBe(c => c.Pages.Count == 0 && c.Spans.All(s => s.Page == 0));
    }

    [Fact]
    public async Task ExtractAsync_StylesNumberingAndRepeatedHeaderRows_AreRead()
    {
        var path = _temp.Combine("made.docx");
        CreateDocx(path);

        var (document, chunks) = await ExtractedCorpus.ChunkAsync(path);

        document.Metadata.Title.ShouldBe("Handbook");
        document.Metadata.Author.ShouldBe("Grace");
        // A localized style id whose name is "heading 1", and a style based on "Heading2".
        document.Headings.Select(h => (h.Level, h.Title)).ShouldBe([(1, "Einleitung"), (2, "Derived section")]);
        var text = document.Pages[0].Text;
        text.ShouldStartWith("Einleitung\n\nFirst paragraph.\nAfter a line break.\n\n1. Step one\n2. Step two\n  - Sub bullet\n3. Step three\n\nDerived section");
        text.ShouldNotContain("removed words");
        var table = document.Tables.ShouldHaveSingleItem();
        table.HeaderRowCount.ShouldBe(1);
        var tableChunks = chunks.Where(c => c.Text.Contains("| item-", StringComparison.Ordinal)).ToList();
        tableChunks.Count.ShouldBeGreaterThan(2);
        tableChunks.ShouldAllBe(c => c.Text.Contains("| Item | Price |"));
    }

    [Fact]
    public async Task ExtractAsync_ZipBombNamedDocx_IsRefusedBeforeExpanding()
    {
        var path = _temp.Combine("bomb.docx");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            AddEntry(zip, "[Content_Types].xml", "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>");
            var entry = zip.CreateEntry("word/document.xml", CompressionLevel.SmallestSize);
            using var stream = entry.Open();
            var spaces = new byte[1024 * 1024];
            Array.Fill(spaces, (byte)' ');
            for (var i = 0; i < 8; i++)
            {
                stream.Write(spaces); // 8 MB of spaces deflate to a few KB
            }
        }

        var error = await Should.ThrowAsync<DocumentExtractionException>(() => ExtractionServices.Registry().ExtractAsync(path));

        error.Failure.ShouldBe(ExtractionFailure.TooLarge);
        error.Message.ShouldStartWith("Cannot extract 'bomb.docx': the part 'word/document.xml' would expand from ");
        error.Message.ShouldContain("ZIP bomb");
        error.Message.ShouldContain("MaxCompressionRatio");
    }

    [Fact]
    public async Task ExtractAsync_ExpandedSizeOverLimit_ThrowsTooLargeNamingTheSetting()
    {
        var registry = ExtractionServices.Registry(o => o.MaxExpandedBytes = 50_000);

        var error = await Should.ThrowAsync<DocumentExtractionException>(() => registry.ExtractAsync(SharedPaths.CorpusFile("debian-menu-policy-ch2.docx")));

        error.Failure.ShouldBe(ExtractionFailure.TooLarge);
        error.Message.ShouldBe("Cannot extract 'debian-menu-policy-ch2.docx': its parts expand to more than 50,000 bytes (AgentRag:Extraction:MaxExpandedBytes).");
    }

    [Fact]
    public async Task ExtractAsync_ZipThatIsNotADocx_ThrowsContentMismatch()
    {
        var path = _temp.Combine("photos.docx");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            AddEntry(zip, "photo1.txt", "not a word document");
        }

        var error = await Should.ThrowAsync<DocumentExtractionException>(() => ExtractionServices.Registry().ExtractAsync(path));

        error.Failure.ShouldBe(ExtractionFailure.ContentMismatch);
        error.Message.ShouldContain("without the Word parts '[Content_Types].xml' and 'word/document.xml'");
    }

    [Fact]
    public async Task ExtractAsync_PackageWithoutMainDocument_ThrowsCorrupt()
    {
        var path = _temp.Combine("broken.docx");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            AddEntry(zip, "[Content_Types].xml", "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>");
            AddEntry(zip, "word/document.xml", "<w:document><unclosed>");
        }

        var error = await Should.ThrowAsync<DocumentExtractionException>(() => ExtractionServices.Registry().ExtractAsync(path));

        error.Failure.ShouldBe(ExtractionFailure.Corrupt);
        error.Message.ShouldBe("Cannot extract 'broken.docx': the Word document has no main document body.");
    }

    private static void AddEntry(ZipArchive zip, string name, string content)
    {
        using var writer = new StreamWriter(zip.CreateEntry(name).Open());
        writer.Write(content);
    }

    /// <summary>A document with a localized heading style, a derived heading style, numbered and bulleted lists,
    /// a deleted revision and a 60-row table whose first row repeats as header.</summary>
    private static void CreateDocx(string path)
    {
        using var document = WordprocessingDocument.Create(path, WordprocessingDocumentType.Document);
        document.PackageProperties.Title = "Handbook";
        document.PackageProperties.Creator = "Grace";
        var main = document.AddMainDocumentPart();
        var styles = main.AddNewPart<StyleDefinitionsPart>();
        styles.Styles = new Styles(
            new Style(new StyleName { Val = "heading 1" }) { Type = StyleValues.Paragraph, StyleId = "berschrift1" },
            new Style(new StyleName { Val = "heading 2" }) { Type = StyleValues.Paragraph, StyleId = "Heading2" },
            new Style(new StyleName { Val = "My Section" }, new BasedOn { Val = "Heading2" }) { Type = StyleValues.Paragraph, StyleId = "MySection" });
        var numbering = main.AddNewPart<NumberingDefinitionsPart>();
        numbering.Numbering = new Numbering(
            new AbstractNum(
                new Level(new StartNumberingValue { Val = 1 }, new NumberingFormat { Val = NumberFormatValues.Decimal }) { LevelIndex = 0 },
                new Level(new NumberingFormat { Val = NumberFormatValues.Bullet }) { LevelIndex = 1 })
            { AbstractNumberId = 1 },
            new NumberingInstance(new AbstractNumId { Val = 1 }) { NumberID = 5 });

        static Paragraph Styled(string style, string text) =>
            new(new ParagraphProperties(new ParagraphStyleId { Val = style }), new Run(new Text(text)));
        static Paragraph Item(int level, string text) =>
            new(new ParagraphProperties(new NumberingProperties(new NumberingLevelReference { Val = level }, new NumberingId { Val = 5 })), new Run(new Text(text)));
        static TableRow Row(bool header, string a, string b) => new(
            header ? new TableRowProperties(new TableHeader()) : new TableRowProperties(),
            new TableCell(new Paragraph(new Run(new Text(a)))),
            new TableCell(new Paragraph(new Run(new Text(b)))));

        var table = new Table(new TableProperties(), Row(true, "Item", "Price"));
        for (var i = 1; i <= 60; i++)
        {
            table.Append(Row(false, $"item-{i}", $"{i} euros for the item with a longer description of what it is"));
        }

        main.Document = new Document(new Body(
            Styled("berschrift1", "Einleitung"),
            new Paragraph(new Run(new Text("First paragraph."), new Break(), new Text("After a line break.")),
                new DeletedRun(new Run(new DeletedText("removed words")))),
            Item(0, "Step one"),
            Item(0, "Step two"),
            Item(1, "Sub bullet"),
            Item(0, "Step three"),
            Styled("MySection", "Derived section"),
            table));
    }
}
