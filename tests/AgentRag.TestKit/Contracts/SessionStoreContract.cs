using AgentRag.Core.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="ISessionStore"/>: turns appended in order and capped, expiry on the injected clock
/// (<see cref="SessionOptions.TimeToLive"/> of 7 days, <see cref="SessionOptions.MaxTurns"/> of 5 here), tenant
/// isolation, answers recorded per workflow, deletes and sweeps.
/// </summary>
public abstract class SessionStoreContract : BackendContract
{
    private ISessionStore Store => Get<ISessionStore>();

    protected override void AddSettings(IServiceCollection services) =>
        services.Configure<SessionOptions>(o =>
        {
            o.TimeToLive = TimeSpan.FromDays(7);
            o.MaxTurns = 5;
        });

    [Fact]
    public async Task AppendTurnAsync_SixTurns_KeepsTheLastFiveInOrderWithWorkflowIds()
    {
        for (var i = 1; i <= 6; i++)
        {
            Clock.Advance(TimeSpan.FromMinutes(1));
            await Store.AppendTurnAsync(TenantA, "ses-a", $"question {i}", $"query {i}", $"wf_{i}");
        }

        await ReopenAsync();
        var session = await Store.GetAsync(TenantA, "ses-a");

        session.ShouldNotBeNull();
        session.Id.ShouldBe("ses-a");
        session.Turns.Select(t => t.Number).ShouldBe([2, 3, 4, 5, 6]);
        session.Turns.Select(t => t.WorkflowId).ShouldBe(["wf_2", "wf_3", "wf_4", "wf_5", "wf_6"]);
        session.Turns[^1].Question.ShouldBe("question 6");
        session.Turns[^1].Query.ShouldBe("query 6");
        session.Turns[^1].AskedAt.ShouldBe(Clock.GetUtcNow());
        session.UpdatedAt.ShouldBe(Clock.GetUtcNow());
        session.ExpiresAt.ShouldBe(Clock.GetUtcNow() + TimeSpan.FromDays(7));
    }

    [Fact]
    public async Task AppendTurnAsync_ReturnsTheSessionAfterTheAppend()
    {
        var started = Clock.GetUtcNow();
        await Store.AppendTurnAsync(TenantA, "ses-a", "first", "first", "wf_1");
        Clock.Advance(TimeSpan.FromMinutes(2));

        var session = await Store.AppendTurnAsync(TenantA, "ses-a", "second", "standalone second", "wf_2");

        session.CreatedAt.ShouldBe(started);
        session.Turns.Select(t => (t.Number, t.Question, t.Query, t.Answer)).ShouldBe([(1, "first", "first", (string?)null), (2, "second", "standalone second", (string?)null)]);
        (await Store.GetAsync(TenantA, "ses-a")).ShouldBeEquivalentTo(session);
    }

    [Fact]
    public async Task GetAsync_UnknownSession_ReturnsNull()
    {
        (await Store.GetAsync(TenantA, "ses-unknown")).ShouldBeNull();
    }

    [Fact]
    public async Task GetAsync_AfterTimeToLiveSinceLastTurn_IsNullAndTheIdStartsAfresh()
    {
        await Store.AppendTurnAsync(TenantA, "ses-a", "first", "first", "wf_1");
        Clock.Advance(TimeSpan.FromDays(6));
        await Store.AppendTurnAsync(TenantA, "ses-a", "second", "second", "wf_2");

        Clock.Advance(TimeSpan.FromDays(6)); // 6 days after the last turn: alive
        (await Store.GetAsync(TenantA, "ses-a"))!.Turns.Count.ShouldBe(2);

        Clock.Advance(TimeSpan.FromDays(1)); // 7 days after the last turn: expired
        (await Store.GetAsync(TenantA, "ses-a")).ShouldBeNull();
        (await Store.DeleteAsync(TenantA, "ses-a")).ShouldBeFalse();

        var restarted = await Store.AppendTurnAsync(TenantA, "ses-a", "third", "third", "wf_3");
        restarted.Turns.Select(t => t.Question).ShouldBe(["third"]);
        restarted.CreatedAt.ShouldBe(Clock.GetUtcNow());
    }

    [Fact]
    public async Task DeleteExpiredAsync_OldAndFreshSessions_DeletesOnlyTheExpiredOfEveryTenant()
    {
        await Store.AppendTurnAsync(TenantA, "old", "q", "q", "wf_1");
        await Store.AppendTurnAsync(TenantB, "old", "q", "q", "wf_1");
        Clock.Advance(TimeSpan.FromDays(8));
        await Store.AppendTurnAsync(TenantB, "fresh", "q", "q", "wf_2");

        (await Store.DeleteExpiredAsync()).ShouldBeGreaterThanOrEqualTo(1);
        (await Store.DeleteExpiredAsync()).ShouldBe(0);

        (await Store.GetAsync(TenantB, "fresh")).ShouldNotBeNull();
        (await Store.GetAsync(TenantA, "old")).ShouldBeNull();
    }

    [Fact]
    public async Task GetAsync_OtherTenant_IsNullAndCannotDeleteOrChangeIt()
    {
        await Store.AppendTurnAsync(TenantA, "shared-id", "q", "q", "wf_1");

        (await Store.GetAsync(TenantB, "shared-id")).ShouldBeNull();
        (await Store.DeleteAsync(TenantB, "shared-id")).ShouldBeFalse();
        await Store.SetAnswerAsync(TenantB, "shared-id", "wf_1", "foreign answer");
        (await Store.GetAsync(TenantA, "shared-id")).ShouldNotBeNull();

        await Store.AppendTurnAsync(TenantB, "shared-id", "other", "other", "wf_2");
        var ofA = (await Store.GetAsync(TenantA, "shared-id"))!;
        ofA.Turns.Select(t => (t.Question, t.Answer)).ShouldBe([("q", (string?)null)]);
    }

    [Fact]
    public async Task SetAnswerAsync_TurnOfWorkflow_RecordsItsAnswerOnlyAndIsIdempotent()
    {
        await Store.AppendTurnAsync(TenantA, "s", "q1", "q1", "wf_1");
        await Store.AppendTurnAsync(TenantA, "s", "q2", "q2", "wf_2");

        await Store.SetAnswerAsync(TenantA, "s", "wf_2", "answer two");
        await Store.SetAnswerAsync(TenantA, "s", "wf_2", "answer two");
        await Store.SetAnswerAsync(TenantA, "s", "wf_gone", "nobody's");

        var turns = (await Store.GetAsync(TenantA, "s"))!.Turns;
        turns.Select(t => t.Answer).ShouldBe([null, "answer two"]);
    }

    [Fact]
    public async Task DeleteAsync_ExistingSession_RemovesItAndItsTurns()
    {
        await Store.AppendTurnAsync(TenantA, "s", "q1", "q1", "wf_1");

        (await Store.DeleteAsync(TenantA, "s")).ShouldBeTrue();
        (await Store.GetAsync(TenantA, "s")).ShouldBeNull();
        (await Store.DeleteAsync(TenantA, "s")).ShouldBeFalse();
        (await Store.AppendTurnAsync(TenantA, "s", "again", "again", "wf_2")).Turns.Single().Number.ShouldBe(1);
    }

    [Fact]
    public async Task AppendTurnAsync_MalformedId_ThrowsNamingTheIdAndStoresNothing()
    {
        var ex = await Should.ThrowAsync<ArgumentException>(() => Store.AppendTurnAsync(TenantA, "bad id!", "q", "q", "wf_1"));

        ex.Message.ShouldContain("'bad id!' is malformed");
        (await Store.GetAsync(TenantA, "bad id!")).ShouldBeNull();
    }

    [Fact]
    public async Task AppendTurnAsync_ConcurrentTurnsOfOneSession_NumbersEveryTurnOnce()
    {
        await Task.WhenAll(Enumerable.Range(1, 5).Select(i => Store.AppendTurnAsync(TenantA, "s", $"q{i}", $"q{i}", $"wf_{i}")));

        var session = (await Store.GetAsync(TenantA, "s"))!;
        session.Turns.Select(t => t.Number).ShouldBe([1, 2, 3, 4, 5]);
        session.Turns.Select(t => t.WorkflowId).ShouldBe(["wf_1", "wf_2", "wf_3", "wf_4", "wf_5"], ignoreOrder: true);
    }

    [Fact]
    public async Task ListAsync_SessionsOfTheTenant_NewestFirstWithCountsAndQuestions()
    {
        await Store.AppendTurnAsync(TenantA, "older", "first of older", "first of older", "wf_1");
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Store.AppendTurnAsync(TenantA, "newer", "only question", "only question", "wf_2");
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Store.AppendTurnAsync(TenantA, "older", "second of older", "standalone second", "wf_3");
        await Store.AppendTurnAsync(TenantB, "theirs", "not A's", "not A's", "wf_4");

        await ReopenAsync();
        var list = await Store.ListAsync(TenantA, 0, 10);

        list.Total.ShouldBe(2);
        list.Items.Select(s => (s.Id, s.TurnCount, s.FirstQuestion, s.LastQuestion)).ShouldBe(
            [("older", 2, "first of older", "second of older"), ("newer", 1, "only question", "only question")]);
        list.Items[0].UpdatedAt.ShouldBe(Clock.GetUtcNow());
        list.Items[0].CreatedAt.ShouldBe(Clock.GetUtcNow() - TimeSpan.FromMinutes(2));
        list.Items[0].ExpiresAt.ShouldBe(Clock.GetUtcNow() + TimeSpan.FromDays(7));
    }

    [Fact]
    public async Task ListAsync_Pages_SkipExpiredAndKeepTheTotal()
    {
        await Store.AppendTurnAsync(TenantA, "expired", "q", "q", "wf_0");
        Clock.Advance(TimeSpan.FromDays(8));
        for (var i = 1; i <= 3; i++)
        {
            Clock.Advance(TimeSpan.FromMinutes(1));
            await Store.AppendTurnAsync(TenantA, $"s{i}", $"q{i}", $"q{i}", $"wf_{i}");
        }

        var first = await Store.ListAsync(TenantA, 0, 2);
        var second = await Store.ListAsync(TenantA, 2, 2);

        first.Total.ShouldBe(3);
        first.Items.Select(s => s.Id).ShouldBe(["s3", "s2"]);
        second.Total.ShouldBe(3);
        second.Items.Select(s => s.Id).ShouldBe(["s1"]);
        var ofB = await Store.ListAsync(TenantB, 0, 10);
        ofB.Total.ShouldBe(0);
        ofB.Items.ShouldBeEmpty();
    }

    [Fact]
    public async Task ListAsync_BadPaging_Throws()
    {
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Store.ListAsync(TenantA, -1, 10));
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Store.ListAsync(TenantA, 0, 0));
    }
}
