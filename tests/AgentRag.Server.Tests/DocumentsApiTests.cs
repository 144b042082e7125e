using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentRag.Core.Events;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Storage.Sqlite.Events;
using AgentRag.TestKit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentRag.Server.Tests;

/// <summary><c>/v1/documents</c> through HTTP on the real server.</summary>
public sealed class DocumentsApiTests : IClassFixture<DocumentsApiTests.Server>
{
    private readonly Server _server;

    public DocumentsApiTests(Server server) => _server = server;

    /// <summary>One server for the class, with a small per-file limit so the 413 test needs no huge file.</summary>
    public sealed class Server() : IDisposable
    {
        public AgentRagServerFactory Factory { get; } = new(new Dictionary<string, string?>
        {
            ["AgentRag:Ingestion:MaxFileBytes"] = "2000000",
        });

        public void Dispose() => Factory.Dispose();
    }

    private HttpClient Client(string? tenant = null)
    {
        var client = _server.Factory.CreateClient();
        if (tenant is not null)
        {
            client.DefaultRequestHeaders.Add("X-Tenant-ID", tenant);
        }

        return client;
    }

    [Fact]
    public async Task Upload_Pdf_StreamsProgressToReadyAndReplaysAfterReconnect()
    {
        var client = Client("sse-tenant");
        var id = (await UploadAsync(client, ("fhs-3.0.pdf", File.ReadAllBytes(SharedPaths.CorpusFile("fhs-3.0.pdf"))))).Single();

        // Read a first event, then drop the connection.
        long firstId;
        using (var first = await SseClient.OpenAsync(client, $"/v1/documents/{id}/events"))
        {
            first.StatusCode.ShouldBe(HttpStatusCode.OK);
            first.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
            var e = await SseClient.ReadEventsAsync(first).FirstAsync();
            e.Id.ShouldNotBeNull();
            firstId = e.Id.Value;
        }

        // Reconnect: the stream resumes after the last id seen and ends with `ready`.
        using var resumed = await SseClient.OpenAsync(client, $"/v1/documents/{id}/events", lastEventId: firstId);
        var events = await SseClient.ReadEventsAsync(resumed).ToListAsync();
        events.ShouldNotBeEmpty();
        events.First().Id.ShouldBe(firstId + 1);
        events.Select(e => e.Id!.Value).ShouldBeInOrder(SortDirection.Ascending);
        events.Last().Type.ShouldBe("ready");
        events.ShouldContain(e => e.Type == "progress" && e.Data.Contains("\"stage\":\"extracting\""));
        events.ShouldContain(e => e.Type == "progress" && e.Data.Contains("\"stage\":\"chunking\""));

        // A full replay from the start has every event, in order, from id 1.
        using var replay = await SseClient.OpenAsync(client, $"/v1/documents/{id}/events", lastEventId: 0);
        var all = await SseClient.ReadEventsAsync(replay).ToListAsync();
        all.First().Id.ShouldBe(1);
        all.Last().Type.ShouldBe("ready");

        var document = await client.GetFromJsonAsync<JsonElement>($"/v1/documents/{id}");
        document.GetProperty("status").GetString().ShouldBe("ready");
        document.GetProperty("pageCount").GetInt32().ShouldBe(50);
    }

    [Fact]
    public async Task Upload_TenFilesWithOneCorrupt_NineReadyOneFailed()
    {
        var client = Client("batch-tenant");
        var files = Directory.GetFiles(SharedPaths.Corpus).Order(StringComparer.Ordinal)
            .Select(path => (Path.GetFileName(path), File.ReadAllBytes(path)))
            .Where(f => f.Item2.Length <= 2_000_000)
            .ToList();
        files.Add(("corrupt.pdf", Encoding.ASCII.GetBytes("%PDF-1.5\n%garbage that is not a PDF body\n")));
        files.Count.ShouldBeLessThanOrEqualTo(10);

        var ids = await UploadAsync(client, [.. files]);
        ids.Count.ShouldBe(files.Count);

        var finals = new Dictionary<string, string>();
        foreach (var id in ids)
        {
            finals[id] = await WaitForFinalEventAsync(client, id);
        }

        finals.Values.Count(v => v == "failed").ShouldBe(1);
        finals.Values.Count(v => v == "ready").ShouldBe(files.Count - 1);
        var corruptId = ids[^1];
        var corrupt = await client.GetFromJsonAsync<JsonElement>($"/v1/documents/{corruptId}");
        corrupt.GetProperty("status").GetString().ShouldBe("failed");
        corrupt.GetProperty("error").GetString()!.ShouldContain("corrupt.pdf");
        var chunks = await client.GetFromJsonAsync<JsonElement>($"/v1/documents/{corruptId}/chunks");
        chunks.GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Upload_EmptyFile_400NamingTheFile()
    {
        var response = await PostFilesAsync(Client(), ("empty.pdf", []));

        await ShouldBeProblemAsync(response, HttpStatusCode.BadRequest, "empty.pdf: the file is empty");
    }

    [Fact]
    public async Task Upload_FileOverTheLimit_413()
    {
        var response = await PostFilesAsync(Client(), ("big.bin", new byte[2_000_001]));

        await ShouldBeProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "larger than the limit");
    }

    [Fact]
    public async Task Upload_ElevenFiles_400AndNothingStored()
    {
        var client = Client("eleven-tenant");
        var files = Enumerable.Range(1, 11).Select(i => ($"note{i}.txt", Encoding.UTF8.GetBytes($"# Note {i}\n\nSome text number {i}.\n"))).ToArray();

        var response = await PostFilesAsync(client, files);

        await ShouldBeProblemAsync(response, HttpStatusCode.BadRequest, "At most 10 files");
        var list = await client.GetFromJsonAsync<JsonElement>("/v1/documents");
        list.GetProperty("total").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task Upload_NoFilePart_400()
    {
        using var content = new MultipartFormDataContent { { new StringContent("just a field"), "comment" } };

        var response = await Client().PostAsync("/v1/documents", content);

        await ShouldBeProblemAsync(response, HttpStatusCode.BadRequest, "no file part");
    }

    [Fact]
    public async Task Upload_NotMultipart_415()
    {
        var response = await Client().PostAsync("/v1/documents", new StringContent("{}", Encoding.UTF8, "application/json"));

        await ShouldBeProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "multipart/form-data");
    }

    [Fact]
    public async Task Upload_BinaryNamedTxt_RefusedWhileTheOtherFileIsAccepted()
    {
        var binary = new byte[4096];
        new Random(7).NextBytes(binary);

        var response = await PostFilesAsync(Client("mixed-tenant"),
            ("data.txt", binary),
            ("fhs-3.0.pdf", File.ReadAllBytes(SharedPaths.CorpusFile("fhs-3.0.pdf"))));

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("documents").GetArrayLength().ShouldBe(1);
        var rejected = body.GetProperty("rejected")[0];
        rejected.GetProperty("fileName").GetString().ShouldBe("data.txt");
        rejected.GetProperty("detail").GetString()!.ShouldContain("data.txt");
    }

    [Fact]
    public async Task Upload_ZipThatIsNotADocx_415()
    {
        var response = await PostFilesAsync(Client(), ("archive.docx", Zip(("notes/readme.txt", "hello"u8.ToArray()))));

        await ShouldBeProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "content is a ZIP archive without the Word");
    }

    [Fact]
    public async Task Upload_ZipBombDisguisedAsDocx_413()
    {
        var bomb = Zip(
            ("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"u8.ToArray()),
            ("word/document.xml", new byte[8 * 1024 * 1024]));

        var response = await PostFilesAsync(Client(), ("report.docx", bomb));

        await ShouldBeProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "ZIP bomb");
    }

    [Fact]
    public async Task Upload_HtmlWithNoBodyText_422()
    {
        var html = "<html><head><title>t</title><script>var x = 1;</script></head><body><nav>Home</nav><script>y()</script></body></html>"u8.ToArray();

        var response = await PostFilesAsync(Client(), ("empty.html", html));

        await ShouldBeProblemAsync(response, HttpStatusCode.UnprocessableEntity, "no text in its body");
    }

    private static byte[] Zip(params (string Name, byte[] Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var archive = new System.IO.Compression.ZipArchive(buffer, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var entry = archive.CreateEntry(name, System.IO.Compression.CompressionLevel.SmallestSize).Open();
                entry.Write(content);
            }
        }

        return buffer.ToArray();
    }

    [Fact]
    public async Task Get_UnknownId_404Problem()
    {
        var response = await Client().GetAsync("/v1/documents/doc_doesnotexist0000");

        await ShouldBeProblemAsync(response, HttpStatusCode.NotFound, "doc_doesnotexist0000");
    }

    [Fact]
    public async Task EveryRoute_AnotherTenantsDocument_404()
    {
        var owner = Client("tenant-a");
        var id = (await UploadAsync(owner, ("fhs-3.0.pdf", File.ReadAllBytes(SharedPaths.CorpusFile("fhs-3.0.pdf"))))).Single();
        (await WaitForFinalEventAsync(owner, id)).ShouldBe("ready");
        var other = Client("tenant-b");

        (await other.GetAsync($"/v1/documents/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.GetAsync($"/v1/documents/{id}/chunks")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.GetAsync($"/v1/documents/{id}/pages/1")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.GetAsync($"/v1/documents/{id}/events")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.PostAsync($"/v1/documents/{id}/reprocess", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.DeleteAsync($"/v1/documents/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var list = await other.GetFromJsonAsync<JsonElement>("/v1/documents");
        list.GetProperty("items").EnumerateArray().ShouldNotContain(d => d.GetProperty("id").GetString() == id);

        // The owner still has it, untouched.
        (await owner.GetAsync($"/v1/documents/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Tenant_MalformedHeader_400()
    {
        var response = await Client("bad tenant!").GetAsync("/v1/documents");

        await ShouldBeProblemAsync(response, HttpStatusCode.BadRequest, "X-Tenant-ID");
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public async Task Tenant_DotSegment_400AndNothingWrittenOutsideTheTenantFolders(string tenant)
    {
        var before = FoldersOutsideTenants();

        var upload = await PostFilesAsync(Client(tenant), ("dot-tenant.txt", Encoding.UTF8.GetBytes("A note that must not be stored outside its tenant folder.")));
        var search = await Client(tenant).PostAsJsonAsync("/v1/search", new { query = "note" });

        await ShouldBeProblemAsync(upload, HttpStatusCode.BadRequest, "other than '.' and '..'");
        await ShouldBeProblemAsync(search, HttpStatusCode.BadRequest, "X-Tenant-ID");
        FoldersOutsideTenants().ShouldBe(before);
        File.Exists(Path.Combine(_server.Factory.DataPath, "bm25.journal")).ShouldBeFalse();
        File.Exists(Path.Combine(_server.Factory.DataPath, "index", "bm25.journal")).ShouldBeFalse();
    }

    /// <summary>Entries of the data folder, its files/ and its index/ that are not tenant folders' contents (what a '.' or '..' tenant would add).</summary>
    private string[] FoldersOutsideTenants()
    {
        var root = _server.Factory.DataPath;
        return [.. new[] { root, Path.Combine(root, "files"), Path.Combine(root, "index") }
            .Where(Directory.Exists)
            .SelectMany(Directory.EnumerateFileSystemEntries)
            .Where(e => Path.GetFileName(e).StartsWith("doc_", StringComparison.Ordinal) || Path.GetFileName(e).StartsWith("bm25.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task PagesAndChunks_ReadyPdf_ServeStoredPageText()
    {
        var client = Client("pages-tenant");
        var id = (await UploadAsync(client, ("R-data.pdf", File.ReadAllBytes(SharedPaths.CorpusFile("R-data.pdf"))))).Single();
        (await WaitForFinalEventAsync(client, id)).ShouldBe("ready");

        var chunks = await client.GetFromJsonAsync<JsonElement>($"/v1/documents/{id}/chunks");
        chunks.GetArrayLength().ShouldBeGreaterThan(10);
        var chunk = chunks[3];
        var span = chunk.GetProperty("spans")[0];
        var page = await client.GetFromJsonAsync<JsonElement>($"/v1/documents/{id}/pages/{span.GetProperty("page").GetInt32()}");
        var pageText = page.GetProperty("text").GetString()!;
        var start = span.GetProperty("start").GetInt32();
        var end = span.GetProperty("end").GetInt32();
        chunk.GetProperty("text").GetString()!.ShouldStartWith(pageText[start..end].Split('\n')[0]);

        var missing = await client.GetAsync($"/v1/documents/{id}/pages/999");
        await ShouldBeProblemAsync(missing, HttpStatusCode.NotFound, "no page 999");
    }

    [Fact]
    public async Task DeleteAndReprocess_RemoveAndRebuildTheDocument()
    {
        var client = Client("lifecycle-tenant");
        var id = (await UploadAsync(client, ("fhs-3.0.pdf", File.ReadAllBytes(SharedPaths.CorpusFile("fhs-3.0.pdf"))))).Single();
        var firstRun = await FollowToFinalEventAsync(client, id);
        firstRun.Type.ShouldBe("ready");

        var reprocess = await client.PostAsync($"/v1/documents/{id}/reprocess", null);
        reprocess.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var secondRun = await FollowToFinalEventAsync(client, id, firstRun.Id);
        secondRun.Type.ShouldBe("ready");
        secondRun.Id!.Value.ShouldBeGreaterThan(firstRun.Id!.Value);
        var document = await client.GetFromJsonAsync<JsonElement>($"/v1/documents/{id}");
        document.GetProperty("attempts").GetInt32().ShouldBe(2);
        document.GetProperty("status").GetString().ShouldBe("ready");

        (await client.DeleteAsync($"/v1/documents/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await client.GetAsync($"/v1/documents/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.GetAsync($"/v1/documents/{id}/chunks")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.DeleteAsync($"/v1/documents/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        Directory.Exists(Path.Combine(_server.Factory.DataPath, "files", "lifecycle-tenant", id)).ShouldBeFalse();
    }

    [Fact]
    public async Task Reprocess_OriginalExpiredByRetention_410AndTheDocumentSaysSoButStaysSearchable()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var server = new AgentRagServerFactory(new Dictionary<string, string?> { ["AgentRag:Retention:OriginalFileDays"] = "90" }, time: time);
        var client = server.CreateClient();
        var id = (await UploadAsync(client, ("retention-note.txt", Encoding.UTF8.GetBytes("The quartermaster keeps the lanterns in the east storeroom."))))[0];
        (await WaitForFinalEventAsync(client, id)).ShouldBe("ready");
        (await client.GetFromJsonAsync<JsonElement>($"/v1/documents/{id}")).GetProperty("originalExpired").GetBoolean().ShouldBeFalse();

        time.Advance(TimeSpan.FromDays(91));
        await server.Services.GetRequiredService<AgentRag.Hosting.Retention.RetentionCleanup>().RunOnceAsync();

        (await client.GetFromJsonAsync<JsonElement>($"/v1/documents/{id}")).GetProperty("originalExpired").GetBoolean().ShouldBeTrue();
        (await client.GetFromJsonAsync<JsonElement>("/v1/documents")).GetProperty("items")[0].GetProperty("originalExpired").GetBoolean().ShouldBeTrue();
        await ShouldBeProblemAsync(await client.PostAsync($"/v1/documents/{id}/reprocess", null), HttpStatusCode.Gone, "AgentRag:Retention:OriginalFileDays");
        (await client.GetFromJsonAsync<JsonElement>($"/v1/documents/{id}")).GetProperty("status").GetString().ShouldBe("ready");
        var search = await client.PostAsJsonAsync("/v1/search", new { query = "lanterns storeroom" });
        (await search.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hits").EnumerateArray().ShouldContain(h => h.GetProperty("documentId").GetString() == id);
    }

    [Fact]
    public async Task Reprocess_RunPublishedItsEndButIsStillClosing_ProcessesTheDocumentAgain()
    {
        // The worker is held after the run has published 'ready' (at its "Ingested" log line) and before it lets go of
        // the document: the moment a client that just saw the end asks for a reprocess.
        var hold = new HoldAtLogEvent(typeof(DocumentIngestionService).FullName!, "LogReady");
        using var server = new AgentRagServerFactory();
        using var factory = server.WithWebHostBuilder(b => b.ConfigureLogging(logging => logging.AddProvider(hold)));
        try
        {
            var client = factory.CreateClient();
            var id = (await UploadAsync(client, ("fhs-3.0.pdf", File.ReadAllBytes(SharedPaths.CorpusFile("fhs-3.0.pdf"))))).Single();
            var firstRun = await FollowToFinalEventAsync(client, id);
            firstRun.Type.ShouldBe("ready");
            await hold.Reached.WaitAsync(TimeSpan.FromMinutes(1));

            var reprocess = await client.PostAsync($"/v1/documents/{id}/reprocess", null);
            reprocess.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            (await reprocess.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().ShouldBe("pending");
            hold.Release();

            var secondRun = await FollowToFinalEventAsync(client, id, firstRun.Id);
            secondRun.Type.ShouldBe("ready");
            (await client.GetFromJsonAsync<JsonElement>($"/v1/documents/{id}")).GetProperty("attempts").GetInt32().ShouldBe(2);
        }
        finally
        {
            hold.Release();
        }
    }

    [Fact]
    public async Task Events_ReprocessedRunEndedButNotLoggedYetOnAStillClock_StreamsTheNewRun()
    {
        // On a clock that has not moved, the new run's end carries the same time as the previous run's end: while the
        // new run's events are still on their way to the log, only the run number tells the two ends apart.
        var log = new HeldEventLog();
        using var server = new AgentRagServerFactory(time: new ManualTimeProvider());
        using var factory = server.WithWebHostBuilder(b => b.ConfigureTestServices(services =>
            services.AddSingleton<IEventLog>(sp => log.Wrap(ActivatorUtilities.CreateInstance<SqliteEventLog>(sp)))));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var client = factory.CreateClient();
        var id = (await UploadAsync(client, ("fhs-3.0.pdf", File.ReadAllBytes(SharedPaths.CorpusFile("fhs-3.0.pdf"))))).Single();
        var firstRun = await FollowToFinalEventAsync(client, id);
        firstRun.Type.ShouldBe("ready");

        using var published = factory.Services.GetRequiredService<IngestionEventHub>().Subscribe();
        log.Hold();
        (await client.PostAsync($"/v1/documents/{id}/reprocess", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await foreach (var e in published.ReadAllAsync(timeout.Token))
        {
            if (e.DocumentId == id && e.IsTerminal)
            {
                break; // the document is ready again; none of the new run's events is in the log
            }
        }

        using var response = await SseClient.OpenAsync(client, $"/v1/documents/{id}/events", firstRun.Id, cancellationToken: timeout.Token);
        log.Release();
        var secondRun = await SseClient.ReadEventsAsync(response, timeout.Token).LastAsync(timeout.Token);

        secondRun.Type.ShouldBe("ready");
        secondRun.Id!.Value.ShouldBeGreaterThan(firstRun.Id!.Value);
    }

    [Fact]
    public async Task List_InvalidStatus_400()
    {
        var response = await Client().GetAsync("/v1/documents?status=bogus");

        await ShouldBeProblemAsync(response, HttpStatusCode.BadRequest, "Unknown status 'bogus'");
    }

    internal static async Task<List<string>> UploadAsync(HttpClient client, params (string Name, byte[] Content)[] files)
    {
        var response = await PostFilesAsync(client, files);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("documents").EnumerateArray().Select(d => d.GetProperty("id").GetString()!).ToList();
    }

    internal static async Task<HttpResponseMessage> PostFilesAsync(HttpClient client, params (string Name, byte[] Content)[] files)
    {
        using var content = new MultipartFormDataContent();
        foreach (var (name, bytes) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Add(part, "files", name);
        }

        return await client.PostAsync("/v1/documents", content);
    }

    /// <summary>Follows the document's event stream to its final event and returns that event's type.</summary>
    internal static async Task<string> WaitForFinalEventAsync(HttpClient client, string id) =>
        (await FollowToFinalEventAsync(client, id)).Type;

    /// <summary>Follows the document's event stream (after <paramref name="lastEventId"/>) until it ends.</summary>
    internal static async Task<SseEvent> FollowToFinalEventAsync(HttpClient client, string id, long? lastEventId = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var response = await SseClient.OpenAsync(client, $"/v1/documents/{id}/events", lastEventId, cancellationToken: timeout.Token);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await SseClient.ReadEventsAsync(response, timeout.Token).LastAsync(timeout.Token);
    }

    internal static async Task ShouldBeProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json", text);
        var problem = JsonDocument.Parse(text).RootElement;
        problem.GetProperty("status").GetInt32().ShouldBe((int)status);
        problem.GetProperty("detail").GetString()!.ShouldContain(detailContains, Case.Insensitive);
    }
    /// <summary>Blocks the first thread that logs <c>eventName</c> in <c>category</c> until <see cref="Release"/>.</summary>
    private sealed class HoldAtLogEvent(string category, string eventName) : ILoggerProvider
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim _released = new();

        public Task Reached => _reached.Task;

        public void Release() => _released.Set();

        public ILogger CreateLogger(string categoryName) => categoryName == category ? new Logger(this) : NullLogger.Instance;

        private void Logged(EventId eventId)
        {
            if (eventId.Name == eventName && _reached.TrySetResult())
            {
                _released.Wait();
            }
        }

        public void Dispose()
        {
        }

        private sealed class Logger(HoldAtLogEvent hold) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                hold.Logged(eventId);
            }
        }
    }
    /// <summary>An event log whose appends, once <see cref="Hold"/> is called, wait until <see cref="Release"/>.</summary>
    private sealed class HeldEventLog
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _holding;

        public void Hold() => _holding = true;

        public void Release() => _released.TrySetResult();

        public IEventLog Wrap(IEventLog inner) => new Log(this, inner);

        private sealed class Log(HeldEventLog held, IEventLog inner) : IEventLog
        {
            public async Task<StoredEvent> AppendAsync(
                string tenantId, string streamId, string type, string data, bool waitForCommit = true, CancellationToken cancellationToken = default)
            {
                if (held._holding)
                {
                    await held._released.Task.WaitAsync(cancellationToken);
                }

                return await inner.AppendAsync(tenantId, streamId, type, data, waitForCommit, cancellationToken);
            }

            public Task<IReadOnlyList<StoredEvent>> ReadAsync(
                string tenantId, string streamId, long afterSequence, int maxCount = 1000, CancellationToken cancellationToken = default) =>
                inner.ReadAsync(tenantId, streamId, afterSequence, maxCount, cancellationToken);

            public EventSubscription Subscribe(string tenantId, string streamId) => inner.Subscribe(tenantId, streamId);

            public Task DeleteStreamAsync(string tenantId, string streamId, CancellationToken cancellationToken = default) =>
                inner.DeleteStreamAsync(tenantId, streamId, cancellationToken);
        }
    }
}
