using AgentRag.Runtime.Embedded;
using AgentRag.Agents.Tests.Support;
using AgentRag.Core.Actors;
using AgentRag.Storage.Sqlite;
using AgentRag.Storage.Sqlite.Actors;
using AgentRag.TestKit;
using Microsoft.Extensions.Logging.Abstractions;


namespace AgentRag.Agents.Tests.Actors;

public sealed class EmbeddedActorHostTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new("agentrag-actors");
    private readonly ManualTimeProvider _time = new();
    private readonly List<string> _log = [];
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

    private async Task<EmbeddedActorHost> StartHostAsync(SqliteDatabase? database = null)
    {
        var host = new EmbeddedActorHost(
            [new ActorRegistration(CounterActor.Type, () => new CounterActor(_log))],
            new SqliteActorStateStore(database ?? _database, _time),
            _time,
            NullLogger<EmbeddedActorHost>.Instance);
        await host.StartAsync(CancellationToken.None);
        return host;
    }

    private static ActorId Counter(string id, string tenant = "default") => new(CounterActor.Type, tenant, id);

    [Fact]
    public async Task AskAsync_ConcurrentMessagesToOneActor_RunOneTurnAtATime()
    {
        await using var host = await StartHostAsync();

        var replies = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => host.AskAsync<int>(Counter("a"), new Increment())));

        replies.Order().ShouldBe(Enumerable.Range(1, 50));
        CounterActor.MaxConcurrentTurns.ShouldBe(1);
    }

    [Fact]
    public async Task AskAsync_TwoActors_HaveSeparateStatePerTenant()
    {
        await using var host = await StartHostAsync();

        await host.AskAsync<int>(Counter("a"), new Increment());
        await host.AskAsync<int>(Counter("a"), new Increment());
        var other = await host.AskAsync<int>(Counter("a", tenant: "other"), new Increment());

        other.ShouldBe(1);
        (await host.AskAsync<int>(Counter("a"), new Read())).ShouldBe(2);
    }

    [Fact]
    public async Task State_AfterHostRestart_IsLoadedFromTheStore()
    {
        await using (var first = await StartHostAsync())
        {
            await first.AskAsync<int>(Counter("a"), new Increment());
            await first.AskAsync<int>(Counter("a"), new Increment());
        }

        await using var second = await StartHostAsync();
        (await second.AskAsync<int>(Counter("a"), new Read())).ShouldBe(2);
    }

    [Fact]
    public async Task AskAsync_ActorThrows_AskerGetsTheExceptionAndActorGoesOn()
    {
        await using var host = await StartHostAsync();

        var ex = await Should.ThrowAsync<InvalidOperationException>(() => host.AskAsync<int>(Counter("a"), new Explode()));
        ex.Message.ShouldBe("boom");
        (await host.AskAsync<int>(Counter("a"), new Increment())).ShouldBe(1);
    }

    [Fact]
    public async Task AskAsync_UnknownActorType_Throws()
    {
        await using var host = await StartHostAsync();

        var ex = await Should.ThrowAsync<InvalidOperationException>(() => host.AskAsync<int>(new ActorId("nope", "default", "x"), new Read()));
        ex.Message.ShouldContain("No actor type 'nope' is registered");
    }

    [Fact]
    public async Task Reminder_DueOnTheClock_FiresAsAMessageAndOneShotIsDeleted()
    {
        var store = new SqliteActorStateStore(_database, _time);
        await using var host = await StartHostAsync();
        await host.AskAsync<int>(Counter("a"), new Remind(TimeSpan.FromMinutes(5), null));
        (await store.ListRemindersAsync()).ShouldHaveSingleItem().Name.ShouldBe("tick");

        var fired = CounterActor.NextReminder();
        _time.Advance(TimeSpan.FromMinutes(4));
        fired.IsCompleted.ShouldBeFalse();
        _time.Advance(TimeSpan.FromMinutes(1));
        (await fired.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe("a:tick");

        await host.AskAsync<int>(Counter("a"), new Read()); // the reminder's turn, and its deletion, are done by now
        (await store.ListRemindersAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Reminder_DueWhileTheHostWasDown_FiresWhenTheNextHostStarts()
    {
        var store = new SqliteActorStateStore(_database, _time);
        await using (var first = await StartHostAsync())
        {
            await first.AskAsync<int>(Counter("a"), new Remind(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)));
        }

        _time.Advance(TimeSpan.FromHours(1)); // nothing runs: the host is stopped
        var fired = CounterActor.NextReminder();
        await using var second = await StartHostAsync();

        second.RearmedReminders.ShouldBe(1);
        (await fired.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe("a:tick");
        (await store.ListRemindersAsync()).ShouldHaveSingleItem(); // periodic: kept
    }

    [Fact]
    public async Task Deactivate_ThenMessage_NewActivationLoadsState()
    {
        await using var host = await StartHostAsync();
        await host.AskAsync<int>(Counter("a"), new Increment());
        await host.AskAsync<int>(Counter("a"), new Sleep());
        host.ActiveActors.ShouldBe(0);

        (await host.AskAsync<int>(Counter("a"), new Increment())).ShouldBe(2);
        _log.Count(l => l == "activate:a").ShouldBe(2);
    }

    [Fact]
    public async Task AskAsync_AfterStop_ThrowsObjectDisposed()
    {
        var host = await StartHostAsync();
        await host.StopAsync(CancellationToken.None);

        await Should.ThrowAsync<ObjectDisposedException>(() => host.AskAsync<int>(Counter("a"), new Read()));
    }

    private sealed record Increment;

    private sealed record Read;

    private sealed record Explode;

    private sealed record Sleep;

    private sealed record Remind(TimeSpan Due, TimeSpan? Period);

    /// <summary>A counter persisted in actor state, which records its turns' overlap.</summary>
    private sealed class CounterActor(List<string> log) : IActor
    {
        public const string Type = "counter";

        private static int s_inTurn;
        private static int s_maxConcurrent;
        private static TaskCompletionSource<string> s_reminder = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private IActorContext _context = null!;
        private int _count;

        public static int MaxConcurrentTurns => Volatile.Read(ref s_maxConcurrent);

        public static Task<string> NextReminder()
        {
            s_reminder = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            return s_reminder.Task;
        }

        public async Task OnActivateAsync(IActorContext context, CancellationToken cancellationToken)
        {
            _context = context;
            _count = await context.ReadStateAsync<int>("count", cancellationToken);
            lock (log)
            {
                log.Add("activate:" + context.Id.Id);
            }
        }

        public async Task<object?> ReceiveAsync(object message, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref s_inTurn);
            if (now > Volatile.Read(ref s_maxConcurrent))
            {
                Volatile.Write(ref s_maxConcurrent, now);
            }

            try
            {
                await Task.Yield(); // give another turn the chance to overlap, were the host to allow it
                switch (message)
                {
                    case Increment:
                        _count++;
                        await _context.WriteStateAsync("count", _count, cancellationToken);
                        return _count;
                    case Read:
                        return _count;
                    case Explode:
                        throw new InvalidOperationException("boom");
                    case Sleep:
                        _context.Deactivate();
                        return _count;
                    case Remind remind:
                        await _context.SetReminderAsync("tick", remind.Due, remind.Period, cancellationToken: cancellationToken);
                        return _count;
                    case ReminderFired fired:
                        s_reminder.TrySetResult($"{_context.Id.Id}:{fired.Name}");
                        return null;
                    default:
                        throw new InvalidOperationException($"Unexpected {message}.");
                }
            }
            finally
            {
                Interlocked.Decrement(ref s_inTurn);
            }
        }
    }
}
