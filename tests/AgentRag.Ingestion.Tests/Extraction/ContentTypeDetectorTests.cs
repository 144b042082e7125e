using System.IO.Compression;
using System.Text;
using AgentRag.Ingestion.Extraction;
using AgentRag.TestKit;

namespace AgentRag.Ingestion.Tests.Extraction;

public sealed class ContentTypeDetectorTests : IDisposable
{
    private readonly TempDirectory _temp = new("agentrag-detect");
    private readonly ContentTypeDetector _detector = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("R-intro.pdf", ContentTypes.Pdf)]
    [InlineData("fhs-3.0.html", ContentTypes.Html)]
    [InlineData("debian-menu-policy-ch2.docx", ContentTypes.Docx)]
    [InlineData("nodejs-url.md", ContentTypes.Markdown)]
    [InlineData("debian-policy-README.txt", ContentTypes.PlainText)]
    public void Detect_CorpusFile_ReturnsItsType(string file, string expected) =>
        _detector.Detect(SharedPaths.CorpusFile(file)).ShouldBe(expected);

    [Fact]
    public void Detect_PdfWithoutExtension_IsRecognizedByItsHeader()
    {
        var path = _temp.Combine("upload-without-extension");
        File.Copy(SharedPaths.CorpusFile("R-data.pdf"), path);

        _detector.Detect(path).ShouldBe(ContentTypes.Pdf);
    }

    [Fact]
    public void Detect_HtmlMarkupInTxtFile_ContentWins()
    {
        var path = _temp.WriteText("page.txt", "\n  <!DOCTYPE html>\n<html><body><p>Hi</p></body></html>");

        _detector.Detect(path).ShouldBe(ContentTypes.Html);
    }

    [Fact]
    public void Detect_TextWithMarkdownExtension_ExtensionBreaksTheTie()
    {
        _detector.Detect(_temp.WriteText("notes.md", "# Title\n\nSome text.")).ShouldBe(ContentTypes.Markdown);
        _detector.Detect(_temp.WriteText("notes.txt", "# Title\n\nSome text.")).ShouldBe(ContentTypes.PlainText);
    }

    [Fact]
    public void Detect_Utf16WithByteOrderMark_IsText()
    {
        var path = _temp.Combine("utf16.txt");
        File.WriteAllText(path, "Grüße aus Köln\n", new UnicodeEncoding(bigEndian: false, byteOrderMark: true));

        _detector.Detect(path).ShouldBe(ContentTypes.PlainText);
    }

    [Theory]
    [InlineData("debian-policy-README.txt", false, ContentTypes.PlainText)]
    [InlineData("debian-policy-README.txt", true, ContentTypes.PlainText)]
    [InlineData("nodejs-url.md", false, ContentTypes.Markdown)]
    [InlineData("fhs-3.0.html", true, ContentTypes.Html)]
    public void Detect_Utf16WithoutByteOrderMark_IsTextByItsZeroBytePattern(string file, bool bigEndian, string expected)
    {
        var path = _temp.WriteUtf16WithoutBom(file, bigEndian);

        _detector.Detect(path).ShouldBe(expected);
        var withoutExtension = _temp.Combine(Path.GetFileNameWithoutExtension(file) + (bigEndian ? "-be" : "-le"));
        File.Copy(path, withoutExtension);
        _detector.Detect(withoutExtension).ShouldBe(expected == ContentTypes.Markdown ? ContentTypes.PlainText : expected);
    }

    [Fact]
    public void Detect_SixteenBitSamplesWithZeroHighBytes_IsStillBinary()
    {
        var path = _temp.Combine("samples.raw");
        File.WriteAllBytes(path, [.. Enumerable.Range(0, 4096).SelectMany(i => BitConverter.GetBytes((ushort)(i % 256)))]);

        _detector.Detect(path).ShouldBe(ContentTypes.Binary);
    }

    [Theory]
    [InlineData("utf-8")]
    [InlineData("utf-16le")]
    [InlineData("utf-16le-bom")]
    public void Detect_SampleEndsInsideACharacter_IsText(string encodingName)
    {
        // The detector reads the first 8,192 bytes; put a multi-byte character across that boundary.
        var encoding = encodingName switch
        {
            "utf-8" => (Encoding)new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            "utf-16le" => new UnicodeEncoding(bigEndian: false, byteOrderMark: false),
            _ => new UnicodeEncoding(bigEndian: false, byteOrderMark: true),
        };
        var preamble = encoding.GetPreamble().Length;
        var filler = encodingName == "utf-8" ? 8191 - preamble : (8190 - preamble) / 2;
        var text = new string('a', filler) + "\U0001F600 smile\n";
        var path = _temp.Combine("notes-" + encodingName + ".txt");
        File.WriteAllBytes(path, [.. encoding.GetPreamble(), .. encoding.GetBytes(text)]);

        _detector.Detect(path).ShouldBe(ContentTypes.PlainText);
    }

    [Fact]
    public void Detect_BinaryBytes_IsBinary()
    {
        var path = _temp.Combine("program");
        File.WriteAllBytes(path, [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00]);

        _detector.Detect(path).ShouldBe(ContentTypes.Binary);
    }

    [Fact]
    public void Detect_ZipWithoutWordParts_IsZip()
    {
        var path = _temp.Combine("archive.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using var writer = new StreamWriter(zip.CreateEntry("readme.txt").Open());
            writer.Write("hello");
        }

        _detector.Detect(path).ShouldBe(ContentTypes.Zip);
    }

    [Fact]
    public void Detect_DocxRenamedPdf_ThrowsContentMismatch()
    {
        var path = _temp.Combine("policy.pdf");
        File.Copy(SharedPaths.CorpusFile("debian-menu-policy-ch2.docx"), path);

        var error = Should.Throw<DocumentExtractionException>(() => _detector.Detect(path));

        error.Failure.ShouldBe(ExtractionFailure.ContentMismatch);
        error.Message.ShouldBe("Cannot extract 'policy.pdf': the name ends in .pdf but the content is a Word (DOCX) document: it does not start with the '%PDF-' header.");
    }

    [Fact]
    public void Detect_MissingFile_ThrowsNamingTheFile()
    {
        var error = Should.Throw<DocumentExtractionException>(() => _detector.Detect(_temp.Combine("gone.pdf")));

        error.Failure.ShouldBe(ExtractionFailure.NotFound);
        error.Message.ShouldBe("Cannot extract 'gone.pdf': the file does not exist.");
    }
}
