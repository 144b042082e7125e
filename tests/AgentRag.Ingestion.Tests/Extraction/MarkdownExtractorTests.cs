using AgentRag.Ingestion.Extraction;
using AgentRag.TestKit;

namespace AgentRag.Ingestion.Tests.Extraction;

public sealed class MarkdownExtractorTests : IDisposable
{
    private readonly TempDirectory _temp = new("agentrag-md");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ExtractAsync_NodejsUrl_HeadingPathReachesTheApiMember()
    {
        var (document, chunks) = await ExtractedCorpus.ChunkCorpusFileAsync("nodejs-url.md");

        document.ContentType.ShouldBe(ContentTypes.Markdown);
        chunks.ChunkContaining("Gets and sets the fragment portion of the URL.").HeadingPath
            .ShouldBe("URL > The WHATWG URL API > Class: URL > url.hash");
        // Markup is gone, code is kept as written.
        document.Pages[0].Text.ShouldContain("The node:url module provides utilities for URL resolution and parsing.");
        document.Pages[0].Text.ShouldContain("console.log(myURL.hash);\n// Prints #bar");
        document.Pages[0].Text.ShouldNotContain("<!--");
    }

    [Fact]
    public async Task ExtractAsync_NodejsUrl_PipeTableHasItsHeaderRow()
    {
        var (document, _) = await ExtractedCorpus.ChunkCorpusFileAsync("nodejs-url.md");

        var table = document.Tables.ShouldHaveSingleItem();
        table.HeaderRowCount.ShouldBe(1);
        document.Pages[0].Text[table.Rows[0].Start..table.Rows[0].End].ShouldBe("| protocol | port |");
        document.Pages[0].Text[table.Rows[1].Start..table.Rows[1].End].ShouldBe("| \"ftp\" | 21 |");
    }

    [Fact]
    public async Task ExtractAsync_NodejsProcess_EventHeadingsNestUnderProcessEvents()
    {
        var (_, chunks) = await ExtractedCorpus.ChunkCorpusFileAsync("nodejs-process.md");

        chunks.ChunkContaining("event is emitted when the Node.js process is about to exit").HeadingPath
            .ShouldBe("Process > Process events > Event: 'exit'");
    }

    [Fact]
    public async Task ExtractAsync_LongPipeTable_EveryChunkRepeatsTheHeaderRow()
    {
        var rows = string.Join('\n', Enumerable.Range(1, 200).Select(i => $"| option-{i} | Sets the {i}th setting of the tool to a sensible value |"));
        var path = _temp.WriteText("options.md", $"---\ntitle: Tool options\nlang: en\n---\n\nIntro paragraph before any heading.\n\n# Options\n\n| Option | Meaning |\n| --- | --- |\n{rows}\n");

        var (document, chunks) = await ExtractedCorpus.ChunkAsync(path);

        document.Metadata.Title.ShouldBe("Tool options");
        document.Metadata.Language.ShouldBe("en");
        // The intro line is too short to be a chunk of its own; the chunk is labelled with the section it mostly holds.
        chunks[0].HeadingPath.ShouldBe("Options");
        var tableChunks = chunks.Where(c => c.Text.Contains("| option-", StringComparison.Ordinal)).ToList();
        tableChunks.Count.ShouldBeGreaterThan(5);
        tableChunks.ShouldAllBe(c => c.Text.Contains("| Option | Meaning |\n| option-"));
        tableChunks.ShouldAllBe(c => c.TokenCount <= 512);
        tableChunks.ShouldAllBe(c => c.HeadingPath == "Options");
    }

    [Fact]
    public async Task ExtractAsync_ListsAndCode_KeepNestingNumberingAndLines()
    {
        var path = _temp.WriteText("lists.md", "# Steps\n\n3. First *thing*\n   - nested [link](http://x)\n4. Second\n\n```sh\nmake\n  make install\n```\n\n> Quoted words\n");

        var (document, _) = await ExtractedCorpus.ChunkAsync(path);

        document.Pages[0].Text.ShouldBe("Steps\n\n3. First thing\n  - nested link\n4. Second\n\nmake\n  make install\n\nQuoted words");
    }
}
