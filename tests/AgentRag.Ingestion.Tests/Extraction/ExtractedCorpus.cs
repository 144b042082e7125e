using AgentRag.Core.Documents;
using AgentRag.Ingestion.Chunking;
using AgentRag.Ingestion.Extraction;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Ingestion.Tests.Extraction;

/// <summary>Extracts and chunks a file through the registered services, checking the span contract on the way.</summary>
internal static class ExtractedCorpus
{
    public static async Task<(ExtractedDocument Document, IReadOnlyList<Chunk> Chunks)> ChunkAsync(
        string path, Action<DocumentExtractionOptions>? extraction = null, Action<ChunkingOptions>? chunking = null)
    {
        using var services = ExtractionServices.Create(extraction, chunking);
        var document = await services.GetRequiredService<DocumentExtractorRegistry>().ExtractAsync(path);
        var chunks = services.GetRequiredService<Chunker>().Chunk("doc_test", "default", document);
        var pages = document.Pages.ToDictionary(p => p.Number, p => p.Text);
        foreach (var chunk in chunks)
        {
            ChunkSpans.Reconstruct(chunk.Spans, n => pages[n]).ShouldBe(chunk.Text);
        }

        return (document, chunks);
    }

    /// <summary>Extracts <paramref name="path"/> and the corpus file <paramref name="corpusFile"/>; their pages' text must be the same.</summary>
    public static async Task<ExtractedDocument> ShouldReadAsTheCorpusFileAsync(string path, string corpusFile)
    {
        var (expected, _) = await ChunkCorpusFileAsync(corpusFile);
        var (document, chunks) = await ChunkAsync(path);
        document.Pages.Select(p => p.Text).ShouldBe(expected.Pages.Select(p => p.Text));
        chunks.ShouldNotBeEmpty();
        return document;
    }

    public static Task<(ExtractedDocument Document, IReadOnlyList<Chunk> Chunks)> ChunkCorpusFileAsync(string name) =>
        ChunkAsync(SharedPaths.CorpusFile(name));

    public static Chunk ChunkContaining(this IReadOnlyList<Chunk> chunks, string phrase) =>
        chunks.FirstOrDefault(c => ChunkSpans.TryLocate(c, phrase, out _))
        ?? throw new ShouldAssertException($"No chunk contains \"{phrase}\".");
}
