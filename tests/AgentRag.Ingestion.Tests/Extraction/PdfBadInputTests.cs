using AgentRag.Ingestion.Extraction;
using AgentRag.TestKit;

namespace AgentRag.Ingestion.Tests.Extraction;

public sealed class PdfBadInputTests : IDisposable
{
    private readonly TempDirectory _temp = new("agentrag-pdf-bad");
    private readonly DocumentExtractorRegistry _registry = ExtractionServices.Registry();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ExtractAsync_EmptyFile_ThrowsEmpty()
    {
        var path = _temp.Combine("empty.pdf");
        await File.WriteAllBytesAsync(path, []);

        var error = await Should.ThrowAsync<DocumentExtractionException>(() => _registry.ExtractAsync(path));

        error.Failure.ShouldBe(ExtractionFailure.Empty);
        error.Message.ShouldBe("Cannot extract 'empty.pdf': the file is empty (0 bytes).");
        error.IsTransient.ShouldBeFalse();
    }

    [Fact]
    public async Task ExtractAsync_FirstHalfOfRealPdf_ThrowsTruncated()
    {
        var original = await File.ReadAllBytesAsync(SharedPaths.CorpusFile("R-intro.pdf"));
        var path = _temp.Combine("R-intro-half.pdf");
        await File.WriteAllBytesAsync(path, original[..(original.Length / 2)]);

        var error = await Should.ThrowAsync<DocumentExtractionException>(() => _registry.ExtractAsync(path));

        error.Failure.ShouldBe(ExtractionFailure.Truncated);
        error.Message.ShouldStartWith("Cannot extract 'R-intro-half.pdf': the PDF is truncated");
        error.Message.ShouldContain($"{original.Length / 2:N0} bytes");
    }

    [Fact]
    public async Task ExtractAsync_GarbageAfterPdfHeader_ThrowsCorrupt()
    {
        var garbage = new byte[20_000];
        new Random(42).NextBytes(garbage);
        var path = _temp.Combine("garbage.pdf");
        await File.WriteAllBytesAsync(path, [.. "%PDF-1.5\n"u8, .. garbage]);

        var error = await Should.ThrowAsync<DocumentExtractionException>(() => _registry.ExtractAsync(path));

        error.Failure.ShouldBe(ExtractionFailure.Corrupt);
        error.Message.ShouldStartWith("Cannot extract 'garbage.pdf': the PDF is damaged and cannot be parsed");
        error.IsTransient.ShouldBeFalse();
    }

    [Fact]
    public async Task ExtractAsync_UserPasswordProtectedPdf_ThrowsEncrypted()
    {
        var path = _temp.Combine("protected.pdf");
        using (var document = TestPdfs.NewDocument())
        {
            document.AddPage();
            document.SecuritySettings.UserPassword = "user-secret";
            document.SecuritySettings.OwnerPassword = "owner-secret";
            document.Save(path);
        }

        var error = await Should.ThrowAsync<DocumentExtractionException>(() => _registry.ExtractAsync(path));

        error.Failure.ShouldBe(ExtractionFailure.Encrypted);
        error.Message.ShouldBe("Cannot extract 'protected.pdf': the PDF is password protected (encrypted with a user password); upload an unprotected copy.");
    }

    [Fact]
    public async Task ExtractAsync_TextFileNamedPdf_ThrowsContentMismatch()
    {
        var path = _temp.Combine("notes.pdf");
        await File.WriteAllTextAsync(path, "These are meeting notes, not a PDF.\n");

        var error = await Should.ThrowAsync<DocumentExtractionException>(() => _registry.ExtractAsync(path));

        error.Failure.ShouldBe(ExtractionFailure.ContentMismatch);
        error.Message.ShouldBe("Cannot extract 'notes.pdf': the name ends in .pdf but the content is plain text: it does not start with the '%PDF-' header.");
    }

    [Fact]
    public async Task ExtractAsync_StoredUnderOtherName_NamesTheUploadedFileInErrors()
    {
        var path = _temp.Combine("blob-0001");
        await File.WriteAllTextAsync(path, "plain words");

        var error = await Should.ThrowAsync<DocumentExtractionException>(() => _registry.ExtractAsync(path, fileName: "report.pdf"));

        error.FileName.ShouldBe("report.pdf");
        error.Failure.ShouldBe(ExtractionFailure.ContentMismatch);
    }
}
