using System.Security.Cryptography;
using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
using AgentRag.Core;
using AgentRag.Storage.Sqlite.Documents;
using AgentRag.TestKit;
using Microsoft.Data.Sqlite;

namespace AgentRag.Storage.Sqlite.Tests;

public sealed class SqliteDocumentStoreTests : IAsyncLifetime
{
    private const string TenantA = "tenant-a";
    private const string TenantB = "tenant-b";
    private static readonly DateTimeOffset Epoch = new(2025, 3, 14, 9, 26, 53, TimeSpan.FromHours(2));

    private readonly TempDirectory _directory = new("sqlite-documents");
    private SqliteDatabase _database = null!;
    private SqliteDocumentStore _store = null!;

    public Task InitializeAsync()
    {
        _database = SqliteDatabase.Open(new SqliteStorageOptions { DataDirectory = _directory.Path });
        _store = new SqliteDocumentStore(_database);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _directory.Dispose();
    }

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
        };

        await _store.InsertAsync(document);
        var loaded = await _store.GetAsync(TenantA, document.Id);

        loaded.ShouldNotBeNull();
        loaded.Warnings.ShouldBe(document.Warnings);
        loaded.ShouldBe(document with { Warnings = loaded.Warnings });
        loaded.CreatedAt.UtcTicks.ShouldBe(document.CreatedAt.UtcTicks);
    }

    [Fact]
    public async Task InsertAsync_SameShaInTenant_ThrowsDuplicateCarryingExisting()
    {
        var first = NewDocument(TenantA, "readme");
        await _store.InsertAsync(first);

        var ex = await Should.ThrowAsync<DuplicateDocumentException>(() => _store.InsertAsync(NewDocument(TenantA, "readme")));

        ex.Existing.Id.ShouldBe(first.Id);
        (await _store.ListAsync(TenantA, new DocumentListQuery())).Total.ShouldBe(1);
    }

    [Fact]
    public async Task InsertAsync_ConcurrentUploadsOfOneFile_MakeOneDocument()
    {
        var attempts = Enumerable.Range(0, 12).Select(_ => NewDocument(TenantA, "readme")).ToList();

        var results = await Task.WhenAll(attempts.Select(async d =>
        {
            try
            {
                await _store.InsertAsync(d);
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
        await _store.InsertAsync(NewDocument(TenantA, "readme"));
        var other = NewDocument(TenantB, "readme");

        await _store.InsertAsync(other);

        (await _store.FindBySha256Async(TenantB, other.Sha256))!.Id.ShouldBe(other.Id);
    }

    [Fact]
    public async Task EveryMethod_OtherTenant_NeverSeesOrChangesTheDocument()
    {
        var (document, pages, chunks) = await SeedReadmeAsync(TenantA);

        (await _store.GetAsync(TenantB, document.Id)).ShouldBeNull();
        (await _store.FindBySha256Async(TenantB, document.Sha256)).ShouldBeNull();
        (await _store.ListAsync(TenantB, new DocumentListQuery())).ShouldSatisfyAllConditions(l => l.Items.ShouldBeEmpty(), l => l.Total.ShouldBe(0));
        (await _store.GetChunksAsync(TenantB, document.Id)).ShouldBeEmpty();
        (await _store.GetChunksByIdAsync(TenantB, [.. chunks.Select(c => c.Id)])).ShouldBeEmpty();
        (await _store.GetPageAsync(TenantB, document.Id, 1)).ShouldBeNull();
        (await _store.UpdateAsync(document with { TenantId = TenantB, Status = DocumentStatus.Failed })).ShouldBeFalse();
        (await _store.DeleteAsync(TenantB, document.Id)).ShouldBeFalse();
        await _store.ClearContentAsync(TenantB, document.Id);
        await Should.ThrowAsync<KeyNotFoundException>(() => _store.SaveContentAsync(TenantB, document.Id, [], []));

        (await _store.GetAsync(TenantA, document.Id))!.Status.ShouldBe(document.Status);
        (await _store.GetChunksAsync(TenantA, document.Id)).Count.ShouldBe(chunks.Count);
        (await _store.GetPageAsync(TenantA, document.Id, 1))!.Text.ShouldBe(pages[0].Text);
    }

    [Fact]
    public async Task ListAsync_PagesNewestFirstWithTotalAndStatusFilter()
    {
        for (var i = 0; i < 5; i++)
        {
            await _store.InsertAsync(NewDocument(TenantA, $"doc {i}", createdAt: Epoch.AddMinutes(i)) with
            {
                Status = i % 2 == 0 ? DocumentStatus.Ready : DocumentStatus.Pending,
            });
        }

        await _store.InsertAsync(NewDocument(TenantB, "other tenant", createdAt: Epoch.AddHours(1)));

        var firstPage = await _store.ListAsync(TenantA, new DocumentListQuery(Offset: 0, Limit: 2));
        firstPage.Total.ShouldBe(5);
        firstPage.Items.Select(d => d.FileName).ShouldBe(["doc 4.txt", "doc 3.txt"]);

        var lastPage = await _store.ListAsync(TenantA, new DocumentListQuery(Offset: 4, Limit: 2));
        lastPage.Items.Select(d => d.FileName).ShouldBe(["doc 0.txt"]);

        var ready = await _store.ListAsync(TenantA, new DocumentListQuery(Status: DocumentStatus.Ready));
        ready.Total.ShouldBe(3);
        ready.Items.Select(d => d.FileName).ShouldBe(["doc 4.txt", "doc 2.txt", "doc 0.txt"]);
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(0, 0)]
    [InlineData(0, SqliteDocumentStore.MaxListLimit + 1)]
    public async Task ListAsync_OutOfRangeQuery_ThrowsArgumentOutOfRange(int offset, int limit)
    {
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => _store.ListAsync(TenantA, new DocumentListQuery(Offset: offset, Limit: limit)));
    }

    [Fact]
    public async Task UpdateAsync_ReplacesStateFieldsOnly()
    {
        var document = NewDocument(TenantA, "readme");
        await _store.InsertAsync(document);

        var updated = await _store.UpdateAsync(document with
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
        var loaded = (await _store.GetAsync(TenantA, document.Id))!;
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
        await _store.InsertAsync(document);
        await _store.DeleteAsync(TenantA, document.Id);

        (await _store.UpdateAsync(document with { Progress = 50 })).ShouldBeFalse();
        (await _store.GetAsync(TenantA, document.Id)).ShouldBeNull();
    }

    [Fact]
    public async Task SaveContentAsync_RealText_RoundTripsPagesAndChunks()
    {
        var (document, pages, chunks) = await SeedReadmeAsync(TenantA);

        var loaded = await _store.GetChunksAsync(TenantA, document.Id);

        loaded.Select(c => c.Ordinal).ShouldBe(Enumerable.Range(0, chunks.Count));
        for (var i = 0; i < chunks.Count; i++)
        {
            loaded[i].Pages.ShouldBe(chunks[i].Pages);
            loaded[i].Spans.ShouldBe(chunks[i].Spans);
            loaded[i].ShouldBe(chunks[i] with { Pages = loaded[i].Pages, Spans = loaded[i].Spans });
        }

        var page = (await _store.GetPageAsync(TenantA, document.Id, 2))!;
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

        await _store.SaveContentAsync(TenantA, document.Id, [newPage], [newChunk]);
        await _store.SaveContentAsync(TenantA, document.Id, [newPage], [newChunk]);

        (await _store.GetChunksAsync(TenantA, document.Id)).ShouldHaveSingleItem().Text.ShouldBe("replacement text");
        (await _store.GetPageAsync(TenantA, document.Id, 2)).ShouldBeNull();
        (await CountRowsAsync("pages")).ShouldBe(1);
    }

    [Fact]
    public async Task SaveContentAsync_FailingMidway_KeepsPreviousContent()
    {
        var (document, _, chunks) = await SeedReadmeAsync(TenantA);
        var other = NewDocument(TenantA, "other");
        await _store.InsertAsync(other);
        await _store.SaveContentAsync(TenantA, other.Id, [], [NewChunk(other, 0, "taken", page: 1, start: 0) with { Id = "chk_taken" }]);

        // The second chunk reuses an id owned by another document: the primary key fails after the pages and first chunk went in.
        var ex = await Should.ThrowAsync<SqliteException>(() => _store.SaveContentAsync(TenantA, document.Id,
            [new DocumentPage(document.Id, TenantA, 1, "new")],
            [NewChunk(document, 0, "new", page: 1, start: 0), NewChunk(document, 1, "clash", page: 1, start: 0) with { Id = "chk_taken" }]));

        ex.SqliteErrorCode.ShouldBe(SqliteResultCodes.Constraint);
        var kept = await _store.GetChunksAsync(TenantA, document.Id);
        kept.Select(c => c.Id).ShouldBe(chunks.Select(c => c.Id));
        (await _store.GetPageAsync(TenantA, document.Id, 1))!.Text.ShouldNotBe("new");
    }

    [Fact]
    public async Task SaveContentAsync_UnknownDocument_ThrowsAndWritesNothing()
    {
        var ghost = NewDocument(TenantA, "ghost");

        var ex = await Should.ThrowAsync<KeyNotFoundException>(() =>
            _store.SaveContentAsync(TenantA, ghost.Id, [new DocumentPage(ghost.Id, TenantA, 1, "x")], []));

        ex.Message.ShouldContain(ghost.Id);
        (await CountRowsAsync("pages")).ShouldBe(0);
    }

    [Fact]
    public async Task SaveContentAsync_ChunkOfAnotherDocument_ThrowsArgumentException()
    {
        var document = NewDocument(TenantA, "readme");
        await _store.InsertAsync(document);
        var stranger = NewChunk(NewDocument(TenantA, "stranger"), 0, "x", page: 1, start: 0);

        await Should.ThrowAsync<ArgumentException>(() => _store.SaveContentAsync(TenantA, document.Id, [], [stranger]));
    }

    [Fact]
    public async Task GetChunksByIdAsync_ReturnsAskedOrderAndSkipsUnknown()
    {
        var (_, _, chunks) = await SeedReadmeAsync(TenantA);

        var found = await _store.GetChunksByIdAsync(TenantA, [chunks[2].Id, "chk_unknown", chunks[0].Id]);

        found.Select(c => c.Id).ShouldBe([chunks[2].Id, chunks[0].Id]);
    }

    [Fact]
    public async Task ClearContentAsync_RemovesPagesAndChunksButKeepsDocument()
    {
        var (document, _, _) = await SeedReadmeAsync(TenantA);

        await _store.ClearContentAsync(TenantA, document.Id);

        (await _store.GetAsync(TenantA, document.Id)).ShouldNotBeNull();
        (await CountRowsAsync("pages")).ShouldBe(0);
        (await CountRowsAsync("chunks")).ShouldBe(0);
    }

    [Fact]
    public async Task DeleteAsync_RemovesDocumentPagesAndChunks()
    {
        var (document, _, _) = await SeedReadmeAsync(TenantA);
        var (kept, keptPages, keptChunks) = await SeedReadmeAsync(TenantB);

        (await _store.DeleteAsync(TenantA, document.Id)).ShouldBeTrue();
        (await _store.DeleteAsync(TenantA, document.Id)).ShouldBeFalse();

        (await _store.GetAsync(TenantA, document.Id)).ShouldBeNull();
        (await _store.FindBySha256Async(TenantA, document.Sha256)).ShouldBeNull();
        (await CountRowsAsync("pages")).ShouldBe(keptPages.Count);
        (await CountRowsAsync("chunks")).ShouldBe(keptChunks.Count);
        (await _store.GetChunksAsync(TenantB, kept.Id)).Count.ShouldBe(keptChunks.Count);
    }

    [Fact]
    public async Task ListUnfinishedAsync_ReturnsPendingAndProcessingOfEveryTenant()
    {
        var pending = NewDocument(TenantA, "pending", createdAt: Epoch);
        var processing = NewDocument(TenantB, "processing", createdAt: Epoch.AddMinutes(1)) with { Status = DocumentStatus.Processing };
        await _store.InsertAsync(pending);
        await _store.InsertAsync(processing);
        await _store.InsertAsync(NewDocument(TenantA, "ready") with { Status = DocumentStatus.Ready });
        await _store.InsertAsync(NewDocument(TenantB, "failed") with { Status = DocumentStatus.Failed });

        var unfinished = await _store.ListUnfinishedAsync();

        unfinished.Select(d => (d.TenantId, d.Id)).ShouldBe([(TenantA, pending.Id), (TenantB, processing.Id)]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("tenant/../other")]
    public async Task GetAsync_InvalidTenantId_ThrowsArgumentException(string tenantId)
    {
        var ex = await Should.ThrowAsync<ArgumentException>(() => _store.GetAsync(tenantId, "doc_x"));

        ex.ParamName.ShouldBe("tenantId");
    }

    [Fact]
    public async Task GetStorageUseAsync_DocumentsOfTwoTenants_CountsOnlyTheTenantsOwn()
    {
        await _store.InsertAsync(NewDocument(TenantA, "first"));
        await _store.InsertAsync(NewDocument(TenantA, "second!"));
        await _store.InsertAsync(NewDocument(TenantB, "other tenant's"));
        var quotas = new SqliteTenantQuotaStore(_database);

        (await quotas.GetStorageUseAsync(TenantA)).ShouldBe(new TenantStorageUse(2, "first".Length + "second!".Length));
        (await quotas.GetStorageUseAsync("tenant-none")).ShouldBe(new TenantStorageUse(0, 0));
    }

    [Fact]
    public async Task TryCountQueryAsync_ConcurrentRequestsPastTheLimit_CountsExactlyTheLimitPerTenantAndDay()
    {
        var quotas = new SqliteTenantQuotaStore(_database);
        var day = new DateOnly(2026, 12, 6);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => quotas.TryCountQueryAsync(TenantA, day, 5)));

        results.Count(r => r.Counted).ShouldBe(5);
        results.Where(r => !r.Counted).ShouldAllBe(r => r.Used == 5);
        (await quotas.GetQueriesAsync(TenantA, day)).ShouldBe(5);
        (await quotas.GetQueriesAsync(TenantB, day)).ShouldBe(0);
        (await quotas.TryCountQueryAsync(TenantA, day.AddDays(1), 5)).ShouldBe((true, 1L));
        (await quotas.TryCountQueryAsync(TenantB, day, 0)).ShouldBe((false, 0L));
    }

    private static Document NewDocument(string tenantId, string content, DateTimeOffset? createdAt = null)
    {
        var id = Ids.New("doc");
        return new Document
        {
            Id = id,
            TenantId = tenantId,
            FileName = content + ".txt",
            ContentType = "text/plain",
            SizeBytes = content.Length,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(content))),
            StoredPath = $"originals/{tenantId}/{id}",
            CreatedAt = createdAt ?? Epoch,
            UpdatedAt = createdAt ?? Epoch,
        };
    }

    private static Chunk NewChunk(Document document, int ordinal, string text, int page, int start) => new()
    {
        Id = Ids.New("chk"),
        DocumentId = document.Id,
        TenantId = document.TenantId,
        Ordinal = ordinal,
        Text = text,
        TokenCount = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length,
        Pages = [page],
        Spans = [new SourceSpan(page, start, start + text.Length)],
    };

    /// <summary>
    /// Stores the real Debian Policy README as a document whose "pages" are its level-2 sections and whose chunks
    /// are its paragraphs, with spans pointing back into the page text.
    /// </summary>
    private async Task<(Document Document, List<DocumentPage> Pages, List<Chunk> Chunks)> SeedReadmeAsync(string tenantId)
    {
        var path = SharedPaths.CorpusFile("debian-policy-README.txt");
        var bytes = await File.ReadAllBytesAsync(path);
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        var document = NewDocument(tenantId, "readme") with
        {
            FileName = Path.GetFileName(path),
            SizeBytes = bytes.Length,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
            Status = DocumentStatus.Processing,
        };
        await _store.InsertAsync(document);

        var sections = text.Split("\n## ").Select((s, i) => i == 0 ? s : "## " + s).ToList();
        var pages = sections.Select((s, i) => new DocumentPage(document.Id, tenantId, i + 1, s)).ToList();
        var chunks = new List<Chunk>();
        foreach (var page in pages)
        {
            var start = 0;
            foreach (var paragraph in page.Text.Split("\n\n"))
            {
                if (paragraph.Trim().Length > 0)
                {
                    chunks.Add(NewChunk(document, chunks.Count, paragraph, page.Number, start) with
                    {
                        HeadingPath = "Debian Policy > " + page.Text.Split('\n')[0].TrimStart('#', ' '),
                    });
                }

                start += paragraph.Length + 2;
            }
        }

        await _store.SaveContentAsync(tenantId, document.Id, pages, chunks);
        return (document, pages, chunks);
    }

    private Task<long> CountRowsAsync(string table) => _database.ReadAsync(c =>
    {
        using var statement = c.Prepare($"SELECT count(*) FROM {table}");
        statement.Step();
        return statement.GetInt64(0);
    });
}
