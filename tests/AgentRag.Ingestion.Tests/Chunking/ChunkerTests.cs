using AgentRag.Core.Documents;
using AgentRag.Ingestion.Chunking;
using AgentRag.Ingestion.Extraction;
using Microsoft.Extensions.Options;

namespace AgentRag.Ingestion.Tests.Chunking;

public sealed class ChunkerTests
{
    private static Chunker CreateChunker(int maxTokens = 512, int overlapTokens = 50) =>
        new(Options.Create(new ChunkingOptions { MaxTokens = maxTokens, OverlapTokens = overlapTokens }));

    private static ExtractedDocument SinglePage(string text, IReadOnlyList<DocumentHeading>? headings = null, string? title = null) => new()
    {
        ContentType = ContentTypes.PlainText,
        Pages = [new ExtractedPage(0, text, PageTextSource.TextLayer)],
        Headings = headings ?? [],
        Metadata = new DocumentMetadata { Title = title },
    };

    /// <summary>Numbered sentences of 9 words each (about 13 tokens with the period and digits).</summary>
    private static string Sentences(int count, int from = 1) =>
        string.Join(' ', Enumerable.Range(from, count).Select(i => $"Sentence number {i} talks about retrieval augmented generation and chunking."));

    [Fact]
    public void Chunk_LongText_NoChunkExceedsMaxTokens()
    {
        var chunks = CreateChunker(maxTokens: 100, overlapTokens: 10).Chunk("doc_a", "t1", SinglePage(Sentences(200)));

        chunks.Count.ShouldBeGreaterThan(20);
        chunks.ShouldAllBe(c => c.TokenCount <= 100);
        chunks.Take(chunks.Count - 1).ShouldAllBe(c => c.TokenCount >= 50);
    }

    [Fact]
    public void Chunk_ProseWithoutParagraphs_EndsChunksAtSentenceEnds()
    {
        var chunks = CreateChunker(maxTokens: 100, overlapTokens: 0).Chunk("doc_a", "t1", SinglePage(Sentences(60)));

        chunks.ShouldAllBe(c => c.Text.EndsWith('.'));
        chunks.ShouldAllBe(c => c.Text.StartsWith("Sentence number ", StringComparison.Ordinal));
    }

    [Fact]
    public void Chunk_Paragraphs_PrefersParagraphBreaksOverSentenceBreaks()
    {
        var paragraphs = Enumerable.Range(0, 12).Select(p => Sentences(3, (p * 3) + 1)).ToArray();
        var text = string.Join("\n\n", paragraphs);

        var chunks = CreateChunker(maxTokens: 100, overlapTokens: 0).Chunk("doc_a", "t1", SinglePage(text));

        // Three 3-sentence paragraphs are ~120 tokens: each chunk holds whole paragraphs (two of them).
        chunks.ShouldAllBe(c => paragraphs.Any(p => c.Text.StartsWith(p, StringComparison.Ordinal)));
        chunks.ShouldAllBe(c => paragraphs.Any(p => c.Text.EndsWith(p, StringComparison.Ordinal)));
    }

    [Fact]
    public void Chunk_Overlap_NextChunkRepeatsTheTailOfThePreviousWithinTheBudget()
    {
        var page = Sentences(100);
        var chunks = CreateChunker(maxTokens: 120, overlapTokens: 30).Chunk("doc_a", "t1", SinglePage(page));

        for (var i = 1; i < chunks.Count; i++)
        {
            var previous = chunks[i - 1].Spans.Single();
            var current = chunks[i].Spans.Single();
            current.Start.ShouldBeLessThan(previous.End, $"chunk {i} does not overlap chunk {i - 1}");
            current.Start.ShouldBeGreaterThan(previous.Start);
            var overlapTokens = TokenCounter.Count(page.AsSpan(current.Start, previous.End - current.Start));
            overlapTokens.ShouldBeInRange(15, 30);
            // The preferred overlap start is a sentence start.
            chunks[i].Text.ShouldStartWith("Sentence number ");
        }
    }

    [Fact]
    public void Chunk_NoWhitespaceInsideWords_NeverSplitsAWord()
    {
        var words = string.Join(' ', Enumerable.Range(0, 3000).Select(i => i % 7 == 0 ? "antidisestablishmentarianism" : $"w{i}"));

        var chunks = CreateChunker(maxTokens: 64, overlapTokens: 8).Chunk("doc_a", "t1", SinglePage(words));

        foreach (var span in chunks.Select(c => c.Spans.Single()))
        {
            (span.Start == 0 || words[span.Start - 1] == ' ').ShouldBeTrue();
            (span.End == words.Length || words[span.End] == ' ').ShouldBeTrue();
        }
    }

    [Fact]
    public void Chunk_WordLongerThanHalfAChunk_IsCutIntoPiecesThatFit()
    {
        var blob = new string('x', 64 * 6 * 3); // 192 tokens in one "word"

        var chunks = CreateChunker(maxTokens: 64, overlapTokens: 0).Chunk("doc_a", "t1", SinglePage("start " + blob + " end"));

        chunks.ShouldAllBe(c => c.TokenCount <= 64);
        string.Concat(chunks.Select(c => c.Text.Replace(" ", "", StringComparison.Ordinal))).ShouldBe("start" + blob + "end");
    }

    [Fact]
    public void Chunk_MegabyteWordOfLettersAndSymbols_IsCutIntoPiecesThatFit()
    {
        // Symbols cost a token each and letters one per 6 characters; a word of a megabyte is cut in linear time.
        var blob = string.Concat(Enumerable.Repeat("abcdefghij-k/", 80_000));

        var chunks = CreateChunker(maxTokens: 64, overlapTokens: 0).Chunk("doc_a", "t1", SinglePage(blob));

        chunks.Count.ShouldBeGreaterThanOrEqualTo(80_000 * 5 / 64); // 5 tokens per repetition
        chunks.ShouldAllBe(c => c.TokenCount <= 64);
        string.Concat(chunks.Select(c => c.Text)).ShouldBe(blob);
    }

    [Fact]
    public void Chunk_TextAcrossPages_RecordsOneSpanPerPageAndRebuildsTheText()
    {
        var pages = new[] { "First page ends mid", "", "sentence on page three. It goes on.", "Page four." };
        var document = new ExtractedDocument
        {
            ContentType = ContentTypes.Pdf,
            Pages = [.. pages.Select((text, i) => new ExtractedPage(i + 1, text, text.Length > 0 ? PageTextSource.TextLayer : PageTextSource.None))],
        };

        var chunk = CreateChunker().Chunk("doc_a", "t1", document).ShouldHaveSingleItem();

        chunk.Pages.ShouldBe([1, 3, 4]);
        chunk.Spans.ShouldBe([new SourceSpan(1, 0, 19), new SourceSpan(3, 0, 35), new SourceSpan(4, 0, 10)]);
        chunk.Text.ShouldBe("First page ends mid\nsentence on page three. It goes on.\nPage four.");
        ChunkSpans.Reconstruct(chunk.Spans, n => pages[n - 1]).ShouldBe(chunk.Text);
        ChunkSpans.TryLocate(chunk, "ends mid sentence", out var span).ShouldBeTrue();
        span.ShouldBe(new SourceSpan(1, 11, 19)); // starts on page 1; the part on that page
        ChunkSpans.TryLocate(chunk, "PAGE   three", out span).ShouldBeTrue();
        span.ShouldBe(new SourceSpan(3, 12, 22));
        ChunkSpans.TryLocate(chunk, "page five", out _).ShouldBeFalse();
    }

    [Fact]
    public void Chunk_Headings_BreaksAtSectionsAndCarriesTheHeadingPath()
    {
        const string Chapter = "1 Chapter one", Section = "1.1 Section one", Second = "2 Chapter two", Details = "2.1 Details";
        var text = $"{Sentences(4)}\n{Chapter}\n{Sentences(6)}\n{Section}\n{Sentences(6)}\n\n{Second}\n{Details}\n{Sentences(6)}";
        var headings = new[]
        {
            new DocumentHeading(1, Chapter, 0, text.IndexOf(Chapter, StringComparison.Ordinal)),
            new DocumentHeading(2, Section, 0, text.IndexOf(Section, StringComparison.Ordinal)),
            new DocumentHeading(1, Second, 0, text.IndexOf(Second, StringComparison.Ordinal)),
            new DocumentHeading(2, Details, 0, text.IndexOf(Details, StringComparison.Ordinal)),
        };

        var chunks = CreateChunker(maxTokens: 200, overlapTokens: 40).Chunk("doc_a", "t1", SinglePage(text, headings, title: "The Manual"));

        // Text before the first heading takes the title; a chunk opening with two headings takes both.
        chunks.Select(c => c.HeadingPath).ShouldBe(["The Manual", "1 Chapter one", "1 Chapter one > 1.1 Section one", "2 Chapter two > 2.1 Details"]);
        chunks[1].Text.ShouldStartWith(Chapter);
        chunks[2].Text.ShouldStartWith(Section); // no overlap reaches back across a heading
        chunks[3].Text.ShouldStartWith(Second);
    }

    [Fact]
    public void Chunk_ShortDocumentWithSubsections_SplitsAtThemAndLabelsEachWithTheSubsectionItMostlyHolds()
    {
        const string Logging = "2 Logging", Format = "2.1 Log line format", Connections = "1 Connections";
        // The whole text fits one chunk; "2 Logging" holds a line too short to stand alone, so it opens the next chunk.
        var text = $"{Connections}\n{Sentences(3)}\n\n{Logging}\nLogs rotate nightly.\n\n{Format}\n{Sentences(5, from: 10)}";
        var headings = new[]
        {
            new DocumentHeading(1, Connections, 0, text.IndexOf(Connections, StringComparison.Ordinal)),
            new DocumentHeading(1, Logging, 0, text.IndexOf(Logging, StringComparison.Ordinal)),
            new DocumentHeading(2, Format, 0, text.IndexOf(Format, StringComparison.Ordinal)),
        };

        var chunks = CreateChunker(maxTokens: 512, overlapTokens: 50).Chunk("doc_a", "t1", SinglePage(text, headings, title: "Server guide"));

        chunks.Select(c => c.HeadingPath).ShouldBe(["1 Connections", "2 Logging > 2.1 Log line format"]);
        chunks[1].Text.ShouldStartWith($"{Logging}\nLogs rotate nightly.");
        chunks[1].Text.ShouldContain("Sentence number 14");
        chunks[0].Text.ShouldNotContain(Logging);
    }

    [Fact]
    public void Chunk_TableSplitAcrossChunks_RepeatsTheHeaderRowInEveryPiece()
    {
        var header = "| Name | Value |";
        var rows = Enumerable.Range(1, 60).Select(i => $"| key{i} | value {i} for the table |").ToArray();
        var tableText = string.Join('\n', [header, .. rows]);
        var text = "Before the table.\n\n" + tableText + "\n\nAfter the table.";
        var tableStart = text.IndexOf(header, StringComparison.Ordinal);
        var rowSpans = new List<TableRowSpan>();
        var offset = tableStart;
        foreach (var line in tableText.Split('\n'))
        {
            rowSpans.Add(new TableRowSpan(offset, offset + line.Length));
            offset += line.Length + 1;
        }

        var document = SinglePage(text) with
        {
            ContentType = ContentTypes.Markdown,
            Tables = [new ExtractedTable(0, tableStart, tableStart + tableText.Length, rowSpans, HeaderRowCount: 1)],
        };

        var chunks = CreateChunker(maxTokens: 100, overlapTokens: 10).Chunk("doc_a", "t1", document);

        var tableChunks = chunks.Where(c => c.Text.Contains("| key", StringComparison.Ordinal)).ToList();
        tableChunks.Count.ShouldBeGreaterThan(3);
        tableChunks.ShouldAllBe(c => c.Text.Contains(header));
        tableChunks.Skip(1).ShouldAllBe(c => c.Text.StartsWith(header + "\n| key", StringComparison.Ordinal));
        tableChunks.ShouldAllBe(c => c.TokenCount <= 100);
        foreach (var chunk in chunks)
        {
            ChunkSpans.Reconstruct(chunk.Spans, _ => text).ShouldBe(chunk.Text);
            chunk.Pages.ShouldBeEmpty();
        }

        // Every row appears, none cut in half.
        rows.ShouldAllBe(r => chunks.Any(c => c.Text.Contains(r)));
    }

    [Fact]
    public void Chunk_DocumentWithoutText_ReturnsNoChunks()
    {
        var document = new ExtractedDocument { ContentType = ContentTypes.Pdf, Pages = [new ExtractedPage(1, "", PageTextSource.None)] };

        CreateChunker().Chunk("doc_a", "t1", document).ShouldBeEmpty();
    }

    [Fact]
    public void Chunk_SameInput_SameIdsAndDifferentDocumentsDifferentIds()
    {
        var chunker = CreateChunker(maxTokens: 64, overlapTokens: 8);
        var document = SinglePage(Sentences(30));

        var first = chunker.Chunk("doc_a", "t1", document);
        var second = chunker.Chunk("doc_a", "t1", document);
        var other = chunker.Chunk("doc_b", "t1", document);

        second.Select(c => (c.Id, c.Text)).ShouldBe(first.Select(c => (c.Id, c.Text)));
        other.Select(c => c.Id).Intersect(first.Select(c => c.Id)).ShouldBeEmpty();
        first.ShouldAllBe(c => AgentRag.Core.Ids.IsWellFormed(c.Id, "chk"));
    }

    [Theory]
    [InlineData(512, 256, "OverlapTokens")]
    [InlineData(16, 0, "MaxTokens")]
    [InlineData(512, -1, "OverlapTokens")]
    public void Constructor_InvalidOptions_ThrowsNamingTheSetting(int maxTokens, int overlapTokens, string setting)
    {
        var error = Should.Throw<ArgumentException>(() => CreateChunker(maxTokens, overlapTokens));

        error.Message.ShouldContain("AgentRag:Chunking:" + setting);
    }
}
