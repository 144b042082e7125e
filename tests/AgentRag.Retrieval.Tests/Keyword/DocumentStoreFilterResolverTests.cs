using AgentRag.Core.Documents;
using AgentRag.Retrieval.Keyword;
using AgentRag.Retrieval.Query;

namespace AgentRag.Retrieval.Tests.Keyword;

public sealed class DocumentStoreFilterResolverTests
{
    private static readonly Document Report = new()
    {
        Id = "doc_1",
        TenantId = "default",
        FileName = "R-data.pdf",
        ContentType = "application/pdf",
        SizeBytes = 10,
        Sha256 = "00",
        StoredPath = "files/doc_1",
        CreatedAt = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero),
        Metadata = new DocumentMetadata { Language = "en-US", CreatedAt = new DateTimeOffset(2024, 6, 15, 0, 0, 0, TimeSpan.Zero) },
    };

    [Theory]
    [InlineData("doc_1", true)]
    [InlineData("r-data.PDF", true)]
    [InlineData("R-intro.pdf", false)]
    public void Passes_DocFilter_MatchesIdOrFileName(string reference, bool expected) =>
        DocumentStoreFilterResolver.Passes(Report, new SearchFilters { Documents = [reference] }).ShouldBe(expected);

    [Fact]
    public void Passes_DateFilters_UseTheFilesOwnDate()
    {
        DocumentStoreFilterResolver.Passes(Report, new SearchFilters { After = new DateOnly(2024, 6, 15) }).ShouldBeTrue();
        DocumentStoreFilterResolver.Passes(Report, new SearchFilters { After = new DateOnly(2024, 6, 16) }).ShouldBeFalse();
        DocumentStoreFilterResolver.Passes(Report, new SearchFilters { Before = new DateOnly(2024, 6, 15) }).ShouldBeFalse();
        DocumentStoreFilterResolver.Passes(Report with { Metadata = new DocumentMetadata() }, new SearchFilters { After = new DateOnly(2025, 1, 1) }).ShouldBeTrue();
    }

    [Theory]
    [InlineData("en", true)]
    [InlineData("en-us", true)]
    [InlineData("de", false)]
    public void Passes_LanguageFilter_MatchesRegionalVariants(string language, bool expected) =>
        DocumentStoreFilterResolver.Passes(Report, new SearchFilters { Language = language }).ShouldBe(expected);
}
