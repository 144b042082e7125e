using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
using Shouldly;
using Xunit;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.TestKit.Contracts;

/// <summary>The contract of <see cref="IDocumentStore"/>: round trips, tenant isolation, paging, atomic content, deletes.</summary>
public abstract class DocumentStoreContract : BackendContract
{
    private IDocumentStore Store => Get<IDocumentStore>();

    [Fact]
    public async Task InsertAsync_ThenGetAsync_RoundTripsEveryField()
    {
        var document = NewDocument(TenantA, "readme") with
        {
            Status = DocumentStatus.Ready,
            Stage = IngestionStage.Ready,
            Progress = 100,
            ProgressMessage = "Indexed 12 chunks",
            PageCount = 3,
            ChunkCount = 12,
            Error = "none, really",
            Warnings = ["page 2 has no text layer", "encoding guessed as UTF-8"],
            Metadata = new DocumentMetadata { Title = "Debian Policy", Author = "Russ Allbery", CreatedAt = Epoch.AddYears(-3), Language = "en" },
            Attempts = 2,
            ReadyAt = Epoch.AddMinutes(5),
            EmbeddedChunks = 7,
            EmbeddingModel = "minilm",
        };

        await Store.InsertAsync(document);
        await ReopenAsync();
        var loaded = await Store.GetAsync(TenantA, document.Id);

        loaded.ShouldNotBeNull();
        loaded.Warnings.ShouldBe(document.Warnings);
        loaded.ShouldBe(document with { Warnings = loaded.Warnings });
        loaded.CreatedAt.UtcTicks.ShouldBe(document.CreatedAt.UtcTicks);
        (await Store.FindBySha256Async(TenantA, document.Sha256))!.Id.ShouldBe(document.Id);
    }

    [Fact]
    public async Task GetAsync_UnknownDocument_ReturnsNull()
    {
        (await Store.GetAsync(TenantA, "doc_unknown")).ShouldBeNull();
        (await Store.FindBySha256Async(TenantA, new string('0', 64))).ShouldBeNull();
        (await Store.GetPageAsync(TenantA, "doc_unknown", 1)).ShouldBeNull();
        (await Store.GetChunksAsync(TenantA, "doc_unknown")).ShouldBeEmpty();
    }

    [Fact]
    public async Task InsertAsync_SameShaInTenant_ThrowsDuplicateCarryingExisting()
    {
        var first = NewDocument(TenantA, "readme");
        await Store.InsertAsync(first);

        var ex = await Should.ThrowAsync<DuplicateDocumentException>(() => Store.InsertAsync(NewDocument(TenantA, "readme")));

        ex.Existing.Id.ShouldBe(first.Id);
        (await Store.ListAsync(TenantA, new DocumentListQuery())).Total.ShouldBe(1);
    }

    [Fact]
    public async Task InsertAsync_ConcurrentUploadsOfOneFile_MakeOneDocument()
    {
        var attempts = Enumerable.Range(0, 12).Select(_ => NewDocument(TenantA, "readme")).ToList();

        var results = await Task.WhenAll(attempts.Select(async d =>
        {
            try
            {
                await Store.InsertAsync(d);
                return (Inserted: d.Id, Existing: (string?)null);
            }
            catch (DuplicateDocumentException ex)
            {
                return (Inserted: (string?)null, Existing: ex.Existing.Id);
            }
        }));

        var winner = results.Where(r => r.Inserted is not null).ShouldHaveSingleItem().Inserted;
        results.Where(r => r.Existing is not null).Select(r => r.Existing).ShouldAllBe(id => id == winner);
    }

    [Fact]
    public async Task InsertAsync_SameShaInAnotherTenant_IsSeparateDocument()
    {
        await Store.InsertAsync(NewDocument(TenantA, "readme"));
        var other = NewDocument(TenantB, "readme");

        await Store.InsertAsync(other);

        (await Store.FindBySha256Async(TenantB, other.Sha256))!.Id.ShouldBe(other.Id);
    }

    [Fact]
    public async Task EveryMethod_OtherTenant_NeverSeesOrChangesTheDocument()
    {
        var (document, pages, chunks) = await SeedReadmeAsync(TenantA);

        (await Store.GetAsync(TenantB, document.Id)).ShouldBeNull();
        (await Store.FindBySha256Async(TenantB, document.Sha256)).ShouldBeNull();
        (await Store.ListAsync(TenantB, new DocumentListQuery())).ShouldSatisfyAllConditions(l => l.Items.ShouldBeEmpty(), l => l.Total.ShouldBe(0));
        (await Store.GetChunksAsync(TenantB, document.Id)).ShouldBeEmpty();
        (await Store.GetChunksByIdAsync(TenantB, [.. chunks.Select(c => c.Id)])).ShouldBeEmpty();
        (await Store.GetPageAsync(TenantB, document.Id, 1)).ShouldBeNull();
        (await Store.UpdateAsync(document with { TenantId = TenantB, Status = DocumentStatus.Failed })).ShouldBeFalse();
        (await Store.DeleteAsync(TenantB, document.Id)).ShouldBeFalse();
        await Store.ClearContentAsync(TenantB, document.Id);
        await Should.ThrowAsync<KeyNotFoundException>(() => Store.SaveContentAsync(TenantB, document.Id, [], []));

        (await Store.GetAsync(TenantA, document.Id))!.Status.ShouldBe(document.Status);
        (await Store.GetChunksAsync(TenantA, document.Id)).Count.ShouldBe(chunks.Count);
        (await Store.GetPageAsync(TenantA, document.Id, 1))!.Text.ShouldBe(pages[0].Text);
    }

    [Fact]
    public async Task ListAsync_PagesNewestFirstWithTotalAndStatusFilter()
    {
        for (var i = 0; i < 5; i++)
        {
            await Store.InsertAsync(NewDocument(TenantA, $"doc {i}", createdAt: Epoch.AddMinutes(i)) with
            {
                Status = i % 2 == 0 ? DocumentStatus.Ready : DocumentStatus.Pending,
            });
        }

        await Store.InsertAsync(NewDocument(TenantB, "other tenant", createdAt: Epoch.AddHours(1)));

        var firstPage = await Store.ListAsync(TenantA, new DocumentListQuery(Offset: 0, Limit: 2));
        firstPage.Total.ShouldBe(5);
        firstPage.Items.Select(d => d.FileName).ShouldBe(["doc 4.txt", "doc 3.txt"]);

        var lastPage = await Store.ListAsync(TenantA, new DocumentListQuery(Offset: 4, Limit: 2));
        lastPage.Items.Select(d => d.FileName).ShouldBe(["doc 0.txt"]);

        var pastTheEnd = await Store.ListAsync(TenantA, new DocumentListQuery(Offset: 5, Limit: 2));
        pastTheEnd.Items.ShouldBeEmpty();
        pastTheEnd.Total.ShouldBe(5);

        var ready = await Store.ListAsync(TenantA, new DocumentListQuery(Status: DocumentStatus.Ready));
        ready.Total.ShouldBe(3);
        ready.Items.Select(d => d.FileName).ShouldBe(["doc 4.txt", "doc 2.txt", "doc 0.txt"]);
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(0, 0)]
    [InlineData(0, 1001)]
    public async Task ListAsync_NegativeOffsetOrLimitOutsideOneToAThousand_ThrowsArgumentOutOfRange(int offset, int limit)
    {
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Store.ListAsync(TenantA, new DocumentListQuery(Offset: offset, Limit: limit)));
    }

    [Fact]
    public async Task UpdateAsync_ReplacesStateFieldsOnly()
    {
        var document = NewDocument(TenantA, "readme");
        await Store.InsertAsync(document);

        var updated = await Store.UpdateAsync(document with
        {
            FileName = "renamed.txt",
            Status = DocumentStatus.Failed,
            Stage = IngestionStage.Failed,
            Progress = 40,
            Error = "pdftotext exited with code 1",
            Warnings = ["page 3 is empty"],
            Metadata = new DocumentMetadata { Title = "T" },
            Attempts = 1,
            UpdatedAt = Epoch.AddMinutes(1),
        });

        updated.ShouldBeTrue();
        var loaded = (await Store.GetAsync(TenantA, document.Id))!;
        loaded.FileName.ShouldBe(document.FileName);
        loaded.Status.ShouldBe(DocumentStatus.Failed);
        loaded.Stage.ShouldBe(IngestionStage.Failed);
        loaded.Progress.ShouldBe(40);
        loaded.Error.ShouldBe("pdftotext exited with code 1");
        loaded.Warnings.ShouldBe(["page 3 is empty"]);
        loaded.Metadata.Title.ShouldBe("T");
        loaded.Attempts.ShouldBe(1);
        loaded.UpdatedAt.ShouldBe(Epoch.AddMinutes(1));
    }

    [Fact]
    public async Task UpdateAsync_DeletedDocument_ReturnsFalse()
    {
        var document = NewDocument(TenantA, "readme");
        await Store.InsertAsync(document);
        await Store.DeleteAsync(TenantA, document.Id);

        (await Store.UpdateAsync(document with { Progress = 50 })).ShouldBeFalse();
        (await Store.GetAsync(TenantA, document.Id)).ShouldBeNull();
    }

    [Fact]
    public async Task SaveContentAsync_RealText_RoundTripsPagesAndChunks()
    {
        var (document, pages, chunks) = await SeedReadmeAsync(TenantA);
        await ReopenAsync();

        var loaded = await Store.GetChunksAsync(TenantA, document.Id);

        loaded.Select(c => c.Ordinal).ShouldBe(Enumerable.Range(0, chunks.Count));
        for (var i = 0; i < chunks.Count; i++)
        {
            loaded[i].Pages.ShouldBe(chunks[i].Pages);
            loaded[i].Spans.ShouldBe(chunks[i].Spans);
            loaded[i].ShouldBe(chunks[i] with { Pages = loaded[i].Pages, Spans = loaded[i].Spans });
        }

        var page = (await Store.GetPageAsync(TenantA, document.Id, 2))!;
        page.ShouldBe(pages[1]);
        var span = loaded.First(c => c.Pages.Contains(2)).Spans.First(s => s.Page == 2);
        page.Text[span.Start..span.End].ShouldStartWith("## ");
    }

    [Fact]
    public async Task SaveContentAsync_Twice_ReplacesEverything()
    {
        var (document, _, _) = await SeedReadmeAsync(TenantA);
        var newPage = new DocumentPage(document.Id, TenantA, 1, "replacement text");
        var newChunk = NewChunk(document, 0, "replacement text", page: 1, start: 0);

        await Store.SaveContentAsync(TenantA, document.Id, [newPage], [newChunk]);
        await Store.SaveContentAsync(TenantA, document.Id, [newPage], [newChunk]);

        (await Store.GetChunksAsync(TenantA, document.Id)).ShouldHaveSingleItem().Text.ShouldBe("replacement text");
        (await Store.GetPageAsync(TenantA, document.Id, 1))!.Text.ShouldBe("replacement text");
        (await Store.GetPageAsync(TenantA, document.Id, 2)).ShouldBeNull();
    }

    [Fact]
    public async Task SaveContentAsync_UnknownDocument_ThrowsKeyNotFoundNamingIt()
    {
        var ghost = NewDocument(TenantA, "ghost");

        var ex = await Should.ThrowAsync<KeyNotFoundException>(() =>
            Store.SaveContentAsync(TenantA, ghost.Id, [new DocumentPage(ghost.Id, TenantA, 1, "x")], []));

        ex.Message.ShouldContain(ghost.Id);
        (await Store.GetPageAsync(TenantA, ghost.Id, 1)).ShouldBeNull();
    }

    [Fact]
    public async Task SaveContentAsync_ChunkOfAnotherDocument_ThrowsArgumentException()
    {
        var document = NewDocument(TenantA, "readme");
        await Store.InsertAsync(document);
        var stranger = NewChunk(NewDocument(TenantA, "stranger"), 0, "x", page: 1, start: 0);

        await Should.ThrowAsync<ArgumentException>(() => Store.SaveContentAsync(TenantA, document.Id, [], [stranger]));
        (await Store.GetChunksAsync(TenantA, document.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task GetChunksByIdAsync_ReturnsAskedOrderAndSkipsUnknown()
    {
        var (_, _, chunks) = await SeedReadmeAsync(TenantA);

        var found = await Store.GetChunksByIdAsync(TenantA, [chunks[2].Id, "chk_unknown", chunks[0].Id]);

        found.Select(c => c.Id).ShouldBe([chunks[2].Id, chunks[0].Id]);
    }

    [Fact]
    public async Task ClearContentAsync_RemovesPagesAndChunksButKeepsDocument()
    {
        var (document, pages, _) = await SeedReadmeAsync(TenantA);

        await Store.ClearContentAsync(TenantA, document.Id);

        (await Store.GetAsync(TenantA, document.Id)).ShouldNotBeNull();
        (await Store.GetChunksAsync(TenantA, document.Id)).ShouldBeEmpty();
        for (var number = 1; number <= pages.Count; number++)
        {
            (await Store.GetPageAsync(TenantA, document.Id, number)).ShouldBeNull();
        }
    }

    [Fact]
    public async Task DeleteAsync_RemovesDocumentPagesAndChunksOfThatTenantOnly()
    {
        var (document, _, chunks) = await SeedReadmeAsync(TenantA);
        var (kept, keptPages, keptChunks) = await SeedReadmeAsync(TenantB);

        (await Store.DeleteAsync(TenantA, document.Id)).ShouldBeTrue();
        (await Store.DeleteAsync(TenantA, document.Id)).ShouldBeFalse();

        (await Store.GetAsync(TenantA, document.Id)).ShouldBeNull();
        (await Store.FindBySha256Async(TenantA, document.Sha256)).ShouldBeNull();
        (await Store.GetChunksAsync(TenantA, document.Id)).ShouldBeEmpty();
        (await Store.GetChunksByIdAsync(TenantA, [.. chunks.Select(c => c.Id)])).ShouldBeEmpty();
        (await Store.GetPageAsync(TenantA, document.Id, 1)).ShouldBeNull();
        (await Store.GetChunksAsync(TenantB, kept.Id)).Count.ShouldBe(keptChunks.Count);
        (await Store.GetPageAsync(TenantB, kept.Id, 1))!.Text.ShouldBe(keptPages[0].Text);
    }

    [Fact]
    public async Task ListUnfinishedAsync_ReturnsPendingAndProcessingOfEveryTenant()
    {
        var pending = NewDocument(TenantA, "pending", createdAt: Epoch);
        var processing = NewDocument(TenantB, "processing", createdAt: Epoch.AddMinutes(1)) with { Status = DocumentStatus.Processing };
        await Store.InsertAsync(pending);
        await Store.InsertAsync(processing);
        await Store.InsertAsync(NewDocument(TenantA, "ready") with { Status = DocumentStatus.Ready });
        await Store.InsertAsync(NewDocument(TenantB, "failed") with { Status = DocumentStatus.Failed });

        var unfinished = await Store.ListUnfinishedAsync();

        unfinished.Select(d => (d.TenantId, d.Id)).ShouldBe([(TenantA, pending.Id), (TenantB, processing.Id)], ignoreOrder: true);
    }

    [Fact]
    public async Task UpdateEmbeddingAsync_ReadyInTheSameRun_RecordsProgressOnly()
    {
        var document = NewDocument(TenantA, "embedding") with { Status = DocumentStatus.Ready, Stage = IngestionStage.Ready, ChunkCount = 10, Attempts = 1, ProgressMessage = "Ready" };
        await Store.InsertAsync(document);

        (await Store.UpdateEmbeddingAsync(TenantA, document.Id, attempt: 1, "minilm", 4, Epoch.AddHours(1))).ShouldBeTrue();
        await ReopenAsync();

        var loaded = (await Store.GetAsync(TenantA, document.Id))!;
        loaded.ShouldBe(document with { EmbeddedChunks = 4, EmbeddingModel = "minilm", UpdatedAt = loaded.UpdatedAt, Warnings = loaded.Warnings });
        loaded.UpdatedAt.UtcTicks.ShouldBe(Epoch.AddHours(1).UtcTicks);
        loaded.IsEmbeddedWith("minilm").ShouldBeFalse();
        (await Store.UpdateEmbeddingAsync(TenantB, document.Id, 1, "minilm", 10, Epoch)).ShouldBeFalse();
    }

    [Fact]
    public async Task UpdateEmbeddingAsync_DocumentReprocessedOrDeletedMeanwhile_ChangesNothing()
    {
        var document = NewDocument(TenantA, "reprocessed") with { Status = DocumentStatus.Ready, ChunkCount = 3, Attempts = 2 };
        await Store.InsertAsync(document);

        (await Store.UpdateEmbeddingAsync(TenantA, document.Id, attempt: 1, "minilm", 3, Epoch)).ShouldBeFalse("an earlier run");
        await Store.UpdateAsync(document with { Status = DocumentStatus.Pending });
        (await Store.UpdateEmbeddingAsync(TenantA, document.Id, attempt: 2, "minilm", 3, Epoch)).ShouldBeFalse("no longer ready");
        (await Store.GetAsync(TenantA, document.Id))!.EmbeddedChunks.ShouldBe(0);
        await Store.DeleteAsync(TenantA, document.Id);
        (await Store.UpdateEmbeddingAsync(TenantA, document.Id, attempt: 2, "minilm", 3, Epoch)).ShouldBeFalse("deleted");
    }

    [Fact]
    public async Task ListAwaitingEmbeddingAsync_ReturnsReadyDocumentsNotFullyEmbeddedWithTheModel()
    {
        async Task<Document> InsertAsync(string content, DocumentStatus status, string? model, int embedded, int chunks = 5)
        {
            var document = NewDocument(content.StartsWith('b') ? TenantB : TenantA, content) with
            {
                Status = status, ChunkCount = chunks, EmbeddingModel = model, EmbeddedChunks = embedded, ReadyAt = Epoch,
            };
            await Store.InsertAsync(document);
            return document;
        }

        var never = await InsertAsync("a never embedded", DocumentStatus.Ready, null, 0);
        var otherModel = await InsertAsync("b other model", DocumentStatus.Ready, "old-model", 5);
        var interrupted = await InsertAsync("a interrupted", DocumentStatus.Ready, "minilm", 2);
        await InsertAsync("a done", DocumentStatus.Ready, "minilm", 5);
        await InsertAsync("a pending", DocumentStatus.Pending, null, 0);
        await InsertAsync("a failed", DocumentStatus.Failed, null, 0);

        var awaiting = await Store.ListAwaitingEmbeddingAsync("minilm");

        awaiting.Select(d => d.Id).ShouldBe([never.Id, otherModel.Id, interrupted.Id], ignoreOrder: true);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("tenant/../other")]
    public async Task GetAsync_InvalidTenantId_ThrowsArgumentExceptionNamingIt(string tenantId)
    {
        var ex = await Should.ThrowAsync<ArgumentException>(() => Store.GetAsync(tenantId, "doc_x"));

        ex.ParamName.ShouldBe("tenantId");
    }

    private async Task<(Document Document, List<DocumentPage> Pages, List<Chunk> Chunks)> SeedReadmeAsync(string tenantId)
    {
        var readme = await ReadmeAsync(tenantId);
        await Store.InsertAsync(readme.Document);
        await Store.SaveContentAsync(tenantId, readme.Document.Id, readme.Pages, readme.Chunks);
        return readme;
    }
}
