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
    public async Task Dispose_ReleasesTheRecoveryRole_ForTheNextProcess()
    {
        await InsertAsync("t1", "pending", DocumentStatus.Pending);
        var first = NewQueue();
        (await first.RecoverAsync()).ShouldNotBeNull();
        first.Dispose();

        using var next = NewQueue();
        (await next.RecoverAsync()).ShouldNotBeNull().Count.ShouldBe(1);
    }
}
