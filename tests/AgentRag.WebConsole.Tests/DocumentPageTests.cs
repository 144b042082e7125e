using AgentRag.WebConsole.Api;
using AgentRag.WebConsole.Components;
using AgentRag.WebConsole.State;
using Bunit;

namespace AgentRag.WebConsole.Tests;

/// <summary>The document page's chunk list and the library's status words, including the semantic stage's progress.</summary>
public sealed class DocumentPageTests : BunitContext
{
    [Fact]
    public void ChunkList_Chunks_ShowPositionPagesTokensHeadingAndTextAsText()
    {
        const string hostile = "Before <script>window.__xss = 1</script> and <img src=x onerror=\"window.__xss = 2\"> after";
        var chunks = new[]
        {
            new DocumentChunk("c1", 0, "Assignment uses <-.", 42, [14], "Introduction > Assignment"),
            new DocumentChunk("c2", 1, hostile, 12, [14, 15], ""),
            new DocumentChunk("c3", 2, "No pages here.", 3, [], ""),
        };

        var cut = Render<ChunkList>(p => p.Add(c => c.Chunks, chunks));

        var items = cut.FindAll("li.chunk");
        items.Count.ShouldBe(3);
        items[0].QuerySelector(".chunk-number")!.TextContent.ShouldBe("Chunk 1");
        items[0].QuerySelector(".chunk-pages")!.TextContent.ShouldBe("p. 14");
        items[0].QuerySelector(".chunk-tokens")!.TextContent.ShouldBe("42 tokens");
        items[0].QuerySelector(".chunk-heading")!.TextContent.ShouldBe("Introduction > Assignment");
        items[1].QuerySelector(".chunk-pages")!.TextContent.ShouldBe("pp. 14–15");
        items[1].QuerySelector(".chunk-text")!.TextContent.ShouldBe(hostile);
        items[2].QuerySelector(".chunk-pages").ShouldBeNull();
        cut.FindAll("script").ShouldBeEmpty();
        cut.FindAll("img").ShouldBeEmpty();
    }

    [Fact]
    public void ChunkList_NoChunks_SaysSo()
    {
        Render<ChunkList>(p => p.Add(c => c.Chunks, Array.Empty<DocumentChunk>())).Find(".empty").TextContent.ShouldContain("no chunks");
    }

    [Theory]
    [InlineData("ready", null, 0, 227, null, "ready")]
    [InlineData("ready", "all-minilm", 120, 227, null, "ready · semantic 120/227")]
    [InlineData("ready", "all-minilm", 227, 227, null, "ready · semantic 227/227")]
    [InlineData("failed", null, 0, 0, "The PDF is damaged.", "failed: The PDF is damaged.")]
    public void StatusText_Document_SaysReadyWithSemanticProgressOrWhyItFailed(string status, string? model, int embedded, int chunks, string? error, string expected)
    {
        var document = new DocumentSummary { Status = status, EmbeddingModel = model, EmbeddedChunks = embedded, ChunkCount = chunks, Error = error };

        DocumentStatusText.Describe(document).ShouldBe(expected);
    }

    [Fact]
    public void UploadItem_EmbeddingEvents_ShowSemanticProgressOnceReady()
    {
        var item = new UploadItem("R-intro.pdf", 10);
        item.Accepted(new AcceptedDocument("doc_1", "R-intro.pdf", "pending", false));
        item.Apply("ready", new DocumentEvent("doc_1", "ready", "ready", 100, "ready", null, 1, 227));
        item.Apply("embedding", new DocumentEvent("doc_1", "ready", "embedding", 100, "Semantic 120/227", null, 1, 227, 120, "all-minilm"));

        var cut = Render<UploadList>(p => p.Add(c => c.Items, new[] { item }));

        item.Phase.ShouldBe(UploadPhase.Ready);
        cut.Find(".upload-phase").TextContent.ShouldBe("ready · semantic 120/227");
    }
}
