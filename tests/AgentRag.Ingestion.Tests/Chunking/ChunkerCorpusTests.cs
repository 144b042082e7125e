using AgentRag.Core.Documents;
using AgentRag.Ingestion.Chunking;
using AgentRag.Ingestion.Tests.Extraction;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Ingestion.Tests.Chunking;

public sealed class ChunkerCorpusTests(RIntroFixture rIntro) : IClassFixture<RIntroFixture>
{
    private const string Phrase = "the assignment operator";

    [Fact]
    public void Chunk_RIntroAssignmentOperator_CitesPhysicalPage14AtTheExactOffsets()
    {
        var chunk = rIntro.Chunks.First(c => c.Text.Contains(Phrase, StringComparison.Ordinal));

        chunk.Pages.ShouldContain(14);
        ChunkSpans.TryLocate(chunk, Phrase, out var span).ShouldBeTrue();
        span.Page.ShouldBe(14);
        rIntro.PageText(14)[span.Start..span.End].ShouldBe(Phrase);
        rIntro.PageText(14).IndexOf("Notice that " + Phrase, StringComparison.Ordinal).ShouldBe(span.Start - "Notice that ".Length);
    }

    [Fact]
    public void Chunk_RIntroAssignmentOperator_HeadingPathComesFromTheOutline()
    {
        var chunk = rIntro.Chunks.First(c => c.Text.Contains(Phrase, StringComparison.Ordinal));

        chunk.HeadingPath.ShouldBe("2 Simple manipulations; numbers and vectors > 2.1 Vectors and assignment");
    }

    [Fact]
    public void Chunk_RIntro_EverySpanReproducesItsChunkText()
    {
        foreach (var chunk in rIntro.Chunks)
        {
            ChunkSpans.Reconstruct(chunk.Spans, rIntro.PageText).ShouldBe(chunk.Text);
            chunk.Pages.ShouldBe(chunk.Spans.Select(s => s.Page).Distinct().Order());
        }
    }

    [Fact]
    public void Chunk_RIntro_ChunksFitTheBudgetAndCoverEveryWord()
    {
        var chunks = rIntro.Chunks;
        chunks.ShouldAllBe(c => c.TokenCount <= 512 && c.TokenCount > 0);
        chunks.Select(c => c.Ordinal).ShouldBe(Enumerable.Range(0, chunks.Count));
        chunks.Select(c => c.Id).Distinct().Count().ShouldBe(chunks.Count);

        // Every word of every page is in some chunk: the chunks leave no gaps.
        var covered = rIntro.Document.Pages.ToDictionary(p => p.Number, p => new bool[p.Text.Length]);
        foreach (var span in chunks.SelectMany(c => c.Spans))
        {
            Array.Fill(covered[span.Page], true, span.Start, span.Length);
        }

        foreach (var page in rIntro.Document.Pages)
        {
            for (var i = 0; i < page.Text.Length; i++)
            {
                if (!char.IsWhiteSpace(page.Text[i]) && !covered[page.Number][i])
                {
                    throw new ShouldAssertException($"Page {page.Number} offset {i} ('{page.Text[i]}') is in no chunk.");
                }
            }
        }
    }

    [Fact]
    public void Chunk_RIntro_ChunksCrossPagesWhereTextDoes()
    {
        rIntro.Chunks.ShouldContain(c => c.Pages.Count > 1);
        var crossing = rIntro.Chunks.First(c => c.Pages.Count > 1);
        crossing.Spans.Count.ShouldBe(crossing.Pages.Count);
        crossing.Pages.ShouldBe(Enumerable.Range(crossing.Pages[0], crossing.Pages.Count));
    }

    [Fact]
    public void Chunk_SameDocumentTwice_GivesIdenticalChunks()
    {
        using var services = ExtractionServices.Create();
        var again = services.GetRequiredService<Chunker>().Chunk(RIntroFixture.DocumentId, "default", rIntro.Document);

        again.Count.ShouldBe(rIntro.Chunks.Count);
        for (var i = 0; i < again.Count; i++)
        {
            again[i].Id.ShouldBe(rIntro.Chunks[i].Id);
            again[i].Text.ShouldBe(rIntro.Chunks[i].Text);
            again[i].Spans.ShouldBe(rIntro.Chunks[i].Spans);
            again[i].HeadingPath.ShouldBe(rIntro.Chunks[i].HeadingPath);
        }
    }

    [Fact]
    public async Task Chunk_Gnuplot_TextBeforeFirstHeadingTakesTheDocumentTitle()
    {
        using var services = ExtractionServices.Create();
        var document = await services.GetRequiredService<AgentRag.Ingestion.Extraction.DocumentExtractorRegistry>().ExtractAsync(SharedPaths.CorpusFile("gnuplot.pdf"));

        var chunks = services.GetRequiredService<Chunker>().Chunk("doc_gnuplot", "default", document);

        chunks[0].HeadingPath.ShouldBe("gnuplot documentation");
        chunks.ShouldContain(c => c.HeadingPath.StartsWith("I Gnuplot > ", StringComparison.Ordinal));
        chunks.ShouldAllBe(c => c.TokenCount <= 512);
    }
}
