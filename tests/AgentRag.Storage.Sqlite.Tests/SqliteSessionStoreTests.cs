using AgentRag.Core.Sessions;
using AgentRag.Storage.Sqlite.Sessions;
using AgentRag.TestKit;

namespace AgentRag.Storage.Sqlite.Tests;

public sealed class SqliteSessionStoreTests : IDisposable
{
    private readonly TempDirectory _data = new("agentrag-sessions");
    private readonly SqliteDatabase _database;
    private readonly ManualTimeProvider _clock = new();
    private readonly SqliteSessionStore _store;

    public SqliteSessionStoreTests()
    {
        _database = SqliteDatabase.Open(new SqliteStorageOptions { DataDirectory = _data.Path });
        _store = new SqliteSessionStore(_database, new SessionOptions { TimeToLive = TimeSpan.FromDays(7), MaxTurns = 5 }, _clock);
    }

    public void Dispose()
    {
        _database.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task AppendTurnAsync_SixTurns_KeepsTheLastFiveInOrderWithWorkflowIds()
    {
        for (var i = 1; i <= 6; i++)
        {
            _clock.Advance(TimeSpan.FromMinutes(1));
            await _store.AppendTurnAsync("t1", "ses-a", $"question {i}", $"query {i}", $"wf_{i}");
        }

        var session = await _store.GetAsync("t1", "ses-a");

        session.ShouldNotBeNull();
        session.Turns.Select(t => t.Number).ShouldBe([2, 3, 4, 5, 6]);
        session.Turns.Select(t => t.WorkflowId).ShouldBe(["wf_2", "wf_3", "wf_4", "wf_5", "wf_6"]);
        session.Turns[^1].Question.ShouldBe("question 6");
        session.Turns[^1].Query.ShouldBe("query 6");
        session.UpdatedAt.ShouldBe(_clock.GetUtcNow());
        session.ExpiresAt.ShouldBe(_clock.GetUtcNow() + TimeSpan.FromDays(7));
    }

    [Fact]
    public async Task GetAsync_AfterTimeToLiveSinceLastTurn_IsNullAndTheIdStartsAfresh()
    {
        await _store.AppendTurnAsync("t1", "ses-a", "first", "first", "wf_1");
        _clock.Advance(TimeSpan.FromDays(6));
        await _store.AppendTurnAsync("t1", "ses-a", "second", "second", "wf_2");

        _clock.Advance(TimeSpan.FromDays(6)); // 6 days after the last turn: alive
        (await _store.GetAsync("t1", "ses-a"))!.Turns.Count.ShouldBe(2);

        _clock.Advance(TimeSpan.FromDays(1)); // 7 days after the last turn: expired
        (await _store.GetAsync("t1", "ses-a")).ShouldBeNull();
        (await _store.DeleteAsync("t1", "ses-a")).ShouldBeFalse();

        var restarted = await _store.AppendTurnAsync("t1", "ses-a", "third", "third", "wf_3");
        restarted.Turns.Select(t => t.Question).ShouldBe(["third"]);
        restarted.CreatedAt.ShouldBe(_clock.GetUtcNow());
    }

    [Fact]
    public async Task DeleteExpiredAsync_OldAndFreshSessions_DeletesOnlyTheExpired()
    {
        await _store.AppendTurnAsync("t1", "old", "q", "q", "wf_1");
        _clock.Advance(TimeSpan.FromDays(8));
        await _store.AppendTurnAsync("t2", "fresh", "q", "q", "wf_2");

        (await _store.DeleteExpiredAsync()).ShouldBe(1);
        (await _store.GetAsync("t2", "fresh")).ShouldNotBeNull();
    }

    [Fact]
    public async Task GetAsync_OtherTenant_IsNullAndCannotDeleteIt()
    {
        await _store.AppendTurnAsync("t1", "shared-id", "q", "q", "wf_1");

        (await _store.GetAsync("t2", "shared-id")).ShouldBeNull();
        (await _store.DeleteAsync("t2", "shared-id")).ShouldBeFalse();
        (await _store.GetAsync("t1", "shared-id")).ShouldNotBeNull();

        await _store.AppendTurnAsync("t2", "shared-id", "other", "other", "wf_2");
        (await _store.GetAsync("t1", "shared-id"))!.Turns.Select(t => t.Question).ShouldBe(["q"]);
    }

    [Fact]
    public async Task SetAnswerAsync_TurnOfWorkflow_RecordsItsAnswerOnly()
    {
        await _store.AppendTurnAsync("t1", "s", "q1", "q1", "wf_1");
        await _store.AppendTurnAsync("t1", "s", "q2", "q2", "wf_2");

        await _store.SetAnswerAsync("t1", "s", "wf_2", "answer two");

        var turns = (await _store.GetAsync("t1", "s"))!.Turns;
        turns[0].Answer.ShouldBeNull();
        turns[1].Answer.ShouldBe("answer two");
    }

    [Fact]
    public async Task DeleteAsync_ExistingSession_RemovesItAndItsTurns()
    {
        await _store.AppendTurnAsync("t1", "s", "q1", "q1", "wf_1");

        (await _store.DeleteAsync("t1", "s")).ShouldBeTrue();
        (await _store.GetAsync("t1", "s")).ShouldBeNull();
        (await _store.DeleteAsync("t1", "s")).ShouldBeFalse();
        (await _store.AppendTurnAsync("t1", "s", "again", "again", "wf_2")).Turns.Single().Number.ShouldBe(1);
    }

    [Fact]
    public async Task AppendTurnAsync_MalformedId_ThrowsNamingTheId()
    {
        var ex = await Should.ThrowAsync<ArgumentException>(() => _store.AppendTurnAsync("t1", "bad id!", "q", "q", "wf_1"));
        ex.Message.ShouldContain("'bad id!' is malformed");
    }
}
