using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
using AgentRag.Storage.Sqlite.Documents;
using AgentRag.TestKit;
using Microsoft.Data.Sqlite;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.Storage.Sqlite.Tests;

/// <summary>
/// What <see cref="SqliteDocumentStore"/> does beyond the <see cref="IDocumentStore"/> contract
/// (<see cref="Contracts.SqliteDocumentStoreContractTests"/>): a write that fails inside its transaction leaves nothing.
/// </summary>
public sealed class SqliteDocumentStoreTests : IAsyncLifetime
{
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
    public async Task SaveContentAsync_FailingMidway_KeepsPreviousContent()
    {
        var document = NewDocument(TenantA, "readme");
        await _store.InsertAsync(document);
        var previous = NewChunk(document, 0, "previous", page: 1, start: 0);
        await _store.SaveContentAsync(TenantA, document.Id, [new DocumentPage(document.Id, TenantA, 1, "previous")], [previous]);
        var other = NewDocument(TenantA, "other");
        await _store.InsertAsync(other);
        await _store.SaveContentAsync(TenantA, other.Id, [], [NewChunk(other, 0, "taken", page: 1, start: 0) with { Id = "chk_taken" }]);

        // The second chunk reuses an id owned by another document: the primary key fails after the pages and first chunk went in.
        var ex = await Should.ThrowAsync<SqliteException>(() => _store.SaveContentAsync(TenantA, document.Id,
            [new DocumentPage(document.Id, TenantA, 1, "new")],
            [NewChunk(document, 0, "new", page: 1, start: 0), NewChunk(document, 1, "clash", page: 1, start: 0) with { Id = "chk_taken" }]));

        ex.SqliteErrorCode.ShouldBe(SqliteResultCodes.Constraint);
        (await _store.GetChunksAsync(TenantA, document.Id)).Select(c => c.Id).ShouldBe([previous.Id]);
        (await _store.GetPageAsync(TenantA, document.Id, 1))!.Text.ShouldBe("previous");
    }
}
