using System.Text;
using AgentRag.Core.Documents;
using AgentRag.Ingestion.Extraction;
using AgentRag.TestKit;

namespace AgentRag.Ingestion.Tests.Extraction;

public sealed class PlainTextExtractorTests : IDisposable
{
    private readonly TempDirectory _temp = new("agentrag-txt");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ExtractAsync_DebianPolicyReadme_ReadsHeaderAndHashHeadings()
    {
        var (document, chunks) = await ExtractedCorpus.ChunkCorpusFileAsync("debian-policy-README.txt");

        document.ContentType.ShouldBe(ContentTypes.PlainText);
        document.Metadata.Title.ShouldBe("Debian Policy");
        document.Metadata.Author.ShouldBe("Russ Allbery, Manoj Srivastava and Sean Whitton");
        document.Pages[0].Text.ShouldBe((await File.ReadAllTextAsync(SharedPaths.CorpusFile("debian-policy-README.txt"))).TrimEnd());
        chunks[0].HeadingPath.ShouldBe("Debian Policy"); // the header block precedes the first heading
        chunks.ChunkContaining("please follow these steps to make it as easy").HeadingPath
            .ShouldBe("Debian Policy > Contributing > Seeking seconds for a patch");
    }

    [Fact]
    public async Task ExtractAsync_UnderlinedHeadings_AreLevelsOneAndTwo()
    {
        var path = _temp.WriteText("manual.txt", "Manual\n======\n\nIntro text.\n\nUsage\n-----\nRun it.\nnot a heading\n---\n");

        var (document, _) = await ExtractedCorpus.ChunkAsync(path);

        document.Headings.ShouldBe([new DocumentHeading(1, "Manual", 0, 0), new DocumentHeading(2, "Usage", 0, 28)]);
    }

    [Fact]
    public async Task ExtractAsync_Utf16WithBom_DecodesText()
    {
        var path = _temp.Combine("utf16.txt");
        await File.WriteAllTextAsync(path, "Grüße aus Köln\r\nZweite Zeile", new UnicodeEncoding(bigEndian: true, byteOrderMark: true));

        var (document, _) = await ExtractedCorpus.ChunkAsync(path);

        document.Pages[0].Text.ShouldBe("Grüße aus Köln\nZweite Zeile");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task ExtractAsync_DebianPolicyReadmeInUtf16WithoutBom_ReadsTheSameTextAsUtf8(bool bigEndian) =>
        ExtractedCorpus.ShouldReadAsTheCorpusFileAsync(_temp.WriteUtf16WithoutBom("debian-policy-README.txt", bigEndian), "debian-policy-README.txt");

    [Fact]
    public async Task ExtractAsync_Latin1Bytes_DecodesAsLatin1()
    {
        var path = _temp.Combine("latin1.txt");
        await File.WriteAllBytesAsync(path, Encoding.Latin1.GetBytes("Caf\u00e9 cr\u00e8me, 10 \u00a3"));

        var (document, _) = await ExtractedCorpus.ChunkAsync(path);

        document.Pages[0].Text.ShouldBe("Café crème, 10 £");
    }

    [Fact]
    public async Task ExtractAsync_BinaryNamedTxt_ThrowsContentMismatch()
    {
        var path = _temp.Combine("notes.txt");
        await File.WriteAllBytesAsync(path, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D]);

        var error = await Should.ThrowAsync<DocumentExtractionException>(() => ExtractionServices.Registry().ExtractAsync(path));

        error.Failure.ShouldBe(ExtractionFailure.ContentMismatch);
        error.Message.ShouldBe("Cannot extract 'notes.txt': the name ends in .txt but the content is binary data (it contains NUL bytes or control characters), not text.");
    }

    [Fact]
    public async Task ExtractAsync_UnsupportedBinary_ThrowsUnsupportedContent()
    {
        var path = _temp.Combine("image.bin");
        await File.WriteAllBytesAsync(path, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D]);

        var error = await Should.ThrowAsync<DocumentExtractionException>(() => ExtractionServices.Registry().ExtractAsync(path));

        error.Failure.ShouldBe(ExtractionFailure.UnsupportedContent);
        error.Message.ShouldStartWith("Cannot extract 'image.bin': the content is binary data of an unsupported kind");
        Should.Throw<DocumentExtractionException>(() => ExtractionServices.Registry().DetectContentType(path)).Failure.ShouldBe(ExtractionFailure.UnsupportedContent);
    }

    [Fact]
    public async Task ExtractAsync_WhitespaceOnly_ThrowsNoText()
    {
        var path = _temp.WriteText("blank.txt", "  \n\t\n ");

        var error = await Should.ThrowAsync<DocumentExtractionException>(() => ExtractionServices.Registry().ExtractAsync(path));

        error.Failure.ShouldBe(ExtractionFailure.NoText);
    }
}
