using AgentRag.Ingestion.Chunking;
using AgentRag.Ingestion.Extraction;
using AgentRag.Ingestion.Extraction.Pdf;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Ingestion.Tests.Extraction;

/// <summary>Running headers and footers (page furniture) are not indexed; the rest of each page stays on its page.</summary>
public sealed class RunningHeadersTests : IDisposable
{
    private const string Header = "Chapter 2: Assembling widgets";

    private readonly TempDirectory _temp = new("agentrag-running-headers");

    public void Dispose() => _temp.Dispose();

    /// <summary>Five pages under one running header with the page number below it and a footer, each with its own body text.</summary>
    private static List<IReadOnlyList<string>> ManualPages() =>
    [
        .. Enumerable.Range(1, 5).Select(n => (IReadOnlyList<string>)
        [
            Header,
            $"{n + 10}",
            "",
            $"Step {n} of the assembly fastens bracket number {n} with the blue screws.",
            $"Widget body text unique to page {n}: the {Ordinal(n)} bracket faces north.",
            "",
            $"Widget Assembly Manual, revision 3, page {n + 10} of 15",
        ]),
    ];

    private static string Ordinal(int n) => n switch { 1 => "first", 2 => "second", 3 => "third", 4 => "fourth", _ => "fifth" };

    [Fact]
    public async Task ExtractAndChunk_PdfWithRunningHeaderAndFooter_ChunksHoldNeitherAndKeepEachPage()
    {
        var path = _temp.Combine("manual.pdf");
        TestPdfs.WriteTextPages(path, ManualPages());
        using var services = ExtractionServices.Create(chunking: o => (o.MaxTokens, o.OverlapTokens) = (64, 0));

        var document = await services.GetRequiredService<DocumentExtractorRegistry>().ExtractAsync(path);
        var chunks = services.GetRequiredService<Chunker>().Chunk("doc_manual", "t1", document);

        document.Pages.Count.ShouldBe(5);
        document.Pages.ShouldAllBe(p => !p.Text.Contains(Header) && !p.Text.Contains("Widget Assembly Manual"));
        chunks.ShouldNotBeEmpty();
        chunks.ShouldAllBe(c => !c.Text.Contains(Header) && !c.Text.Contains("Widget Assembly Manual") && !c.Text.Contains("revision 3"));
        for (var n = 1; n <= 5; n++)
        {
            var unique = $"the {Ordinal(n)} bracket faces north";
            document.Pages[n - 1].Text.ShouldContain(unique);
            var chunk = chunks.First(c => c.Text.Contains(unique));
            var span = chunk.Spans.Single(s => document.Pages[s.Page - 1].Text.AsSpan(s.Start, s.Length).ToString().Contains(unique));
            span.Page.ShouldBe(n);
        }
    }

    [Fact]
    public void Remove_PageNumbersAndChapterHeaderOnThreePages_RemovesThemButNotRepeatedCodeLines()
    {
        string[] pages =
        [
            "Chapter 3: Objects\n\n15\nA vector holds values.\n}",
            "Chapter 3: Objects\n\n16\n}\nAttributes describe objects.",
            "Chapter 3: Objects\n\n17\nModes are types.\n}",
            "Chapter 4: Lists\n\n18\nA list holds anything.\n}",
        ];

        var cleaned = RunningHeaders.Remove(pages, out var removed);

        cleaned.ShouldBe(
        [
            "A vector holds values.\n}",
            "}\nAttributes describe objects.",
            "Modes are types.\n}",
            "Chapter 4: Lists\n\nA list holds anything.\n}",
        ]);
        removed.ShouldBe(7);
    }

    [Fact]
    public void Remove_FewerPagesThanTheMinimum_LeavesThemAlone()
    {
        string[] pages = ["Header\n1\nText one.", "Header\n2\nText two.", "Header\n3\nText three."];

        RunningHeaders.Remove(pages, out var removed).ShouldBe(pages);
        removed.ShouldBe(0);
    }

    [Theory]
    [InlineData("Chapter 3: Objects, their modes   15", "chapter #: objects, their modes #")]
    [InlineData("xiv", "#")]
    [InlineData("  gnuplot 5.4  ", "gnuplot #.#")]
    public void Shape_LineWithNumbers_CollapsesDigitsAndSpaces(string line, string expected) =>
        RunningHeaders.Shape(line).ShouldBe(expected);
}
