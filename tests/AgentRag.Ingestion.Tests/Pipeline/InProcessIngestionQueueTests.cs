using AgentRag.Core;
using AgentRag.Core.Coordination;
using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Storage.Sqlite;
using AgentRag.Storage.Sqlite.Documents;
using AgentRag.TestKit;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;
using Xunit;

namespace AgentRag.Ingestion.Tests.Pipeline;

public sealed class InProcessIngestionQueueTests : IDisposable
{
    private readonly TempDirectory _data = new("agentrag-queue");
    private readonly SqliteDatabase _database;
    private readonly SqliteDocumentStore _store;

    public InProcessIngestionQueueTests()
    {
        _database = SqliteDatabase.Open(new SqliteStorageOptions { DataDirectory = _data.Path });
        _store = new SqliteDocumentStore(_database);
    }

    public void Dispose()
    {
        _database.Dispose();
        _data.Dispose();
    }

    private InProcessIngestionQueue NewQueue() =>
        new(_store, new FileDistributedLock(_data.Path), NullLogger<InProcessIngestionQueue>.Instance);

    private async Task<Document> InsertAsync(string tenantId, string content, DocumentStatus status)
    {
        var now = DateTimeOffset.UnixEpoch;
        var id = Ids.New("doc");
        var document = new Document
        {
            Id = id,
            TenantId = tenantId,
            FileName = content + ".txt",
            ContentType = "text/plain",
            SizeBytes = content.Length,
            Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(content))),
            StoredPath = $"files/{tenantId}/{id}/{content}.txt",
            CreatedAt = now,
            UpdatedAt = now,
        };
        await _store.InsertAsync(document);
        if (status != DocumentStatus.Pending)
        {
            await _store.UpdateAsync(document with { Status = status });
        }

        return document;
    }

    [Fact]
    public async Task RecoverAsync_QueuesUnfinishedDocuments_InOneProcessOnly()
    {
        var pending = await InsertAsync("t1", "pending", DocumentStatus.Pending);
        var processing = await InsertAsync("t2", "processing", DocumentStatus.Processing);
        await InsertAsync("t1", "ready", DocumentStatus.Ready);
        using var server = NewQueue();
        using var cli = NewQueue();

        var recovered = await server.RecoverAsync();
        (await cli.RecoverAsync()).ShouldBeNull();

        recovered.ShouldNotBeNull();
        recovered.ShouldBe([new IngestionJob("t1", pending.Id), new IngestionJob("t2", processing.Id)], ignoreOrder: true);
        using var stop = new CancellationTokenSource();
        var read = new List<IngestionJob>();
        await foreach (var job in server.ReadAllAsync(stop.Token))
        {
            read.Add(job);
            if (read.Count == 2)
            {
                await stop.CancelAsync();
            }
        }

        read.ShouldBe(recovered, ignoreOrder: true);
    }

    [Fact]
    public async Task Dispose_ReleasesTheRecoveryRole_ForTheNextProcess()
    {
        await InsertAsync("t1", "pending", DocumentStatus.Pending);
        var first = NewQueue();
        (await first.RecoverAsync()).ShouldNotBeNull();
        first.Dispose();

        using var next = NewQueue();
        (await next.RecoverAsync()).ShouldNotBeNull().Count.ShouldBe(1);
    }

    [Fact]
    public async Task ReadAllAsync_SharesJobsBetweenReaders_AndEndsWhenCancelled()
    {
        using var queue = NewQueue();
        using var stop = new CancellationTokenSource();
        var seen = new System.Collections.Concurrent.ConcurrentBag<IngestionJob>();
        async Task ReadAsync()
        {
            await foreach (var job in queue.ReadAllAsync(stop.Token))
            {
                seen.Add(job);
                if (seen.Count == 10)
                {
                    await stop.CancelAsync();
                }
            }
        }

        var readers = Task.WhenAll(ReadAsync(), ReadAsync(), ReadAsync());
        for (var i = 0; i < 10; i++)
        {
            await queue.EnqueueAsync(new IngestionJob("t1", $"doc_{i}"));
        }

        await readers;
        seen.Select(j => j.DocumentId).Order().ShouldBe(Enumerable.Range(0, 10).Select(i => $"doc_{i}").Order());
    }
}
