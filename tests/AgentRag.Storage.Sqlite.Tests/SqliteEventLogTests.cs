using AgentRag.Core.Events;
using AgentRag.Storage.Sqlite.Events;
using AgentRag.TestKit;

namespace AgentRag.Storage.Sqlite.Tests;

public sealed class SqliteEventLogTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new("agentrag-events");
    private SqliteDatabase _database = null!;

    public Task InitializeAsync()
    {
        _database = SqliteDatabase.Open(new SqliteStorageOptions { DataDirectory = _data.Path });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task ReadAsync_AfterAppendsThatDidNotWait_SeesEveryPublishedEvent()
    {
        var log = new SqliteEventLog(_database, new EventBroadcaster(), TimeProvider.System);
        using var subscription = log.Subscribe("default", "workflow:a");
        for (var i = 0; i < 500; i++)
        {
            await log.AppendAsync("default", "workflow:a", "token", $"{{\"i\":{i}}}", waitForCommit: false);
        }

        // A late reader subscribed, then reads the backlog: it must not find a gap before the live events.
        var backlog = await log.ReadAsync("default", "workflow:a", 0, 1000);

        backlog.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, 500).Select(i => (long)i));
    }

    [Fact]
    public async Task AppendAsync_TwoStreams_NumberedIndependentlyAndTenantScoped()
    {
        var log = new SqliteEventLog(_database, new EventBroadcaster(), TimeProvider.System);

        await log.AppendAsync("default", "s1", "a", "{}");
        await log.AppendAsync("default", "s1", "b", "{}");
        var other = await log.AppendAsync("default", "s2", "c", "{}");
        var otherTenant = await log.AppendAsync("acme", "s1", "d", "{}");

        (other.Sequence, otherTenant.Sequence).ShouldBe((1L, 1L));
        (await log.ReadAsync("default", "s1", 1)).Select(e => e.Type).ShouldBe(["b"]);
    }
}
