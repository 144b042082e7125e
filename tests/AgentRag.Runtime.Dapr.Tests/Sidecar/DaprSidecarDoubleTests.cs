using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentRag.TestKit;
using Dapr;
using Dapr.Client;

namespace AgentRag.Runtime.Dapr.Tests.Sidecar;

/// <summary>
/// The sidecar double's behaviours, each pinned to Dapr's API reference (docs.dapr.io/reference/api) and driven the way
/// the app drives daprd: through the Dapr .NET SDK (Dapr.Client over gRPC; Dapr.Actors through the runtime adapter) and
/// the app's own Dapr endpoints, called back exactly as daprd calls them.
/// </summary>
public sealed class DaprSidecarDoubleTests : IAsyncLifetime
{
    private const string Store = "agentrag-state";

    private readonly ManualTimeProvider _time = new();
    private DaprSidecarDouble _sidecar = null!;

    public async Task InitializeAsync() => _sidecar = await DaprSidecarDouble.StartAsync(_time);

    public async Task DisposeAsync() => await _sidecar.DisposeAsync();

    /// <summary>
    /// State API, "Optimistic concurrency" (docs.dapr.io/developing-applications/building-blocks/state-management/
    /// state-management-overview, and reference/api/state_api "Save state"): every stored value has an ETag; a write
    /// that carries an ETag succeeds only when it matches the stored one (a mismatch is gRPC <c>ABORTED</c>, which
    /// <c>TrySaveStateAsync</c> reports as false); with <c>concurrency: first-write</c> and no ETag the write succeeds only
    /// when nothing is stored; without an ETag and last-write, it always succeeds.
    /// </summary>
    [Fact]
    public async Task SaveState_ETags_FirstWriteWinsAndAStaleETagIsRefused()
    {
        using var client = new DaprClientBuilder().UseGrpcEndpoint(_sidecar.GrpcEndpoint.ToString()).Build();
        var firstWrite = new StateOptions { Concurrency = ConcurrencyMode.FirstWrite };

        await client.SaveStateAsync(Store, "k", "v1", firstWrite);
        var (value, etag) = await client.GetStateAndETagAsync<string>(Store, "k");
        (value, etag).ShouldBe(("v1", "1"));

        (await client.TrySaveStateAsync(Store, "k", "v2", etag, firstWrite)).ShouldBeTrue();
        (await client.TrySaveStateAsync(Store, "k", "v3", etag, firstWrite)).ShouldBeFalse(); // the ETag is stale now
        var second = await Should.ThrowAsync<DaprException>(() => client.SaveStateAsync(Store, "k", "v4", firstWrite)); // first write, key exists
        second.InnerException.ShouldBeOfType<Grpc.Core.RpcException>().StatusCode.ShouldBe(Grpc.Core.StatusCode.Aborted);
        (await client.GetStateAndETagAsync<string>(Store, "k")).ShouldBe(("v2", "2"));

        await client.SaveStateAsync(Store, "k", "v5"); // last-write-wins without an ETag
        (await client.GetStateAndETagAsync<string>(Store, "k")).ShouldBe(("v5", "3"));
        (await client.GetStateAsync<string>(Store, "missing")).ShouldBeNull();
    }

    /// <summary>
    /// Actors overview, "Turn-based access" (docs.dapr.io/developing-applications/building-blocks/actors/actors-features-concepts):
    /// an actor handles one call at a time; a second call to the same actor waits for the first to finish, calls to other
    /// actors run at the same time. Actors API, "Invoke actor method": 200 with the method's return as the body.
    /// </summary>
    [Fact]
    public async Task Invoke_TwoCallsToOneActor_TheSecondWaitsForTheFirstTurnWhileAnotherActorRuns()
    {
        await using var app = await ProbeApp.StartAsync(_sidecar, _time);
        var log = app.Log;

        var first = app.Runtime.AskAsync<string>(ProbeApp.Id("a"), new ProbeHold("first"));
        await WaitUntilAsync(() => log.Snapshot.Contains("enter a first"));
        var second = app.Runtime.AskAsync<string>(ProbeApp.Id("a"), new ProbeHold("second"));
        log.Gate("other").SetResult();
        (await app.Runtime.AskAsync<string>(ProbeApp.Id("b"), new ProbeHold("other"))).ShouldBe("other"); // another actor: not blocked

        log.Gate("second").SetResult(); // open, but its turn cannot start while the first holds the actor
        log.Gate("first").SetResult();
        (await first).ShouldBe("first");
        (await second).ShouldBe("second");
        var entries = log.Snapshot.Where(e => e.EndsWith("first", StringComparison.Ordinal) || e.EndsWith("second", StringComparison.Ordinal)).ToList();
        entries.ShouldBe(["enter a first", "leave a first", "enter a second", "leave a second"]);
        var turns = _sidecar.Turns.Where(t => t.Actor.Id == "default~a").OrderBy(t => t.Started).ToList();
        turns[1].Started.ShouldBeGreaterThan(turns[0].Ended);
    }

    /// <summary>
    /// Actors timers and reminders (docs.dapr.io/developing-applications/building-blocks/actors/actors-timers-reminders):
    /// <c>dueTime</c> is the interval before the first callback, <c>period</c> the interval between callbacks; without a
    /// period the reminder fires once. Actors API, "Create actor reminder": 204; the callback is
    /// <c>PUT /actors/{type}/{id}/method/remind/{name}</c> with <c>{"data", "dueTime", "period"}</c>. The product's one-shot
    /// reminder is removed by the turn that handled it.
    /// </summary>
    [Fact]
    public async Task Reminder_DueTimeAndPeriod_FiresAfterTheDueTimeThenEveryPeriodOnTheClockAndAOneShotOnce()
    {
        await using var app = await ProbeApp.StartAsync(_sidecar, _time);
        await app.Runtime.AskAsync<bool>(ProbeApp.Id("r"), new ProbeSetReminder("tick", TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), "p1"));
        await app.Runtime.AskAsync<bool>(ProbeApp.Id("r"), new ProbeSetReminder("once", TimeSpan.FromSeconds(5), null, null));
        var registered = _sidecar.RemindersOf(ProbeApp.DaprType, "default~r");
        registered["tick"].DueTimeText.ShouldBe("0h0m10s0ms");
        registered["tick"].PeriodText.ShouldBe("0h0m30s0ms");

        _time.Advance(TimeSpan.FromSeconds(4));
        _sidecar.RemindersFired.ShouldBe(0);
        _time.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => Fired(app).Count == 1);
        await WaitUntilAsync(() => !_sidecar.RemindersOf(ProbeApp.DaprType, "default~r").ContainsKey("once"));
        _time.Advance(TimeSpan.FromSeconds(5));
        await WaitUntilAsync(() => Fired(app).Count == 2);
        _time.Advance(TimeSpan.FromSeconds(29));
        _sidecar.RemindersFired.ShouldBe(2);
        _time.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => Fired(app).Count == 3);
        _time.Advance(TimeSpan.FromSeconds(30)); // another period: the tick again, the one-shot never again

        await WaitUntilAsync(() => Fired(app).Count >= 4);
        Fired(app).ShouldBe(["reminder r once ", "reminder r tick p1", "reminder r tick p1", "reminder r tick p1"]);
    }

    /// <summary>
    /// Actors API, "Actor state transactions" (204; 400 when the actor is not activated) and "Get actor state" (200 with the
    /// value, 204 when not found); "Deactivate actor": daprd calls <c>DELETE /actors/{type}/{id}</c> and the next call
    /// activates the actor again, which reads its state back from the sidecar.
    /// </summary>
    [Fact]
    public async Task Deactivate_ActorWithState_DeleteReachesTheAppAndTheNextActivationReadsTheStoredState()
    {
        await using var app = await ProbeApp.StartAsync(_sidecar, _time);
        (await app.Runtime.AskAsync<int>(ProbeApp.Id("c"), new ProbeIncrement())).ShouldBe(1);
        (await app.Runtime.AskAsync<int>(ProbeApp.Id("c"), new ProbeIncrement())).ShouldBe(2);
        _sidecar.ActorState(ProbeApp.DaprType, "default~c", "count").ShouldBe("\"2\"");

        (await _sidecar.DeactivateAsync(ProbeApp.DaprType, "default~c")).ShouldBe(HttpStatusCode.OK);
        _sidecar.Activations.ShouldNotContain(new DaprSidecarDouble.ActorKey(ProbeApp.DaprType, "default~c"));
        (await app.Runtime.AskAsync<int>(ProbeApp.Id("c"), new ProbeIncrement())).ShouldBe(3);
        app.Log.Snapshot.Count(e => e == "activate c").ShouldBe(2);

        using var http = new HttpClient { BaseAddress = _sidecar.HttpEndpoint };
        using var inactive = await http.PostAsJsonAsync("/v1.0/actors/ProbeActor/default~idle/state", new JsonArray());
        inactive.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using var missing = await http.GetAsync("/v1.0/actors/ProbeActor/default~c/state/nothing");
        missing.StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    /// <summary>
    /// The app's <c>GET /dapr/config</c> (Actors API, "Get registered actors"): the actor types it hosts
    /// (<c>entities</c>) and its settings (<c>actorIdleTimeout</c>, <c>drainOngoingCallTimeout</c>,
    /// <c>drainRebalancedActors</c>), which daprd reads when the app starts.
    /// </summary>
    [Fact]
    public async Task ConnectApp_DaprConfig_ListsTheHostedActorTypeAndTheConfiguredTimeouts()
    {
        await using var app = await ProbeApp.StartAsync(_sidecar, _time, new Dictionary<string, string?> { ["AgentRag:Dapr:ActorIdleTimeout"] = "00:20:00" });

        _sidecar.Entities.ShouldBe([ProbeApp.DaprType]);
        var config = _sidecar.AppConfig!;
        DaprDurations.Parse(config["actorIdleTimeout"]!.GetValue<string>()).Value.ShouldBe(TimeSpan.FromMinutes(20));
        DaprDurations.Parse(config["drainOngoingCallTimeout"]!.GetValue<string>()).Value.ShouldBe(TimeSpan.FromSeconds(60));
        config["drainRebalancedActors"]!.GetValue<bool>().ShouldBeTrue();
    }

    /// <summary>
    /// What the actor throws reaches the asker as the same exception type and message (the reply carries it across the
    /// sidecar); messages the actor posts to itself from outside its turns are handled in order, in later turns.
    /// </summary>
    [Fact]
    public async Task Ask_ActorThrowsAndPostsToItself_TheAskerGetsTheExceptionAndPostedMessagesAreHandledInOrder()
    {
        await using var app = await ProbeApp.StartAsync(_sidecar, _time);

        var failure = await Should.ThrowAsync<ArgumentException>(() => app.Runtime.AskAsync<object>(ProbeApp.Id("f"), new ProbeFail("no such thing")));
        failure.Message.ShouldBe("no such thing");
        await app.Runtime.AskAsync<bool>(ProbeApp.Id("f"), new ProbePost(5));

        await WaitUntilAsync(() => app.Log.Snapshot.Count(e => e.StartsWith("posted f", StringComparison.Ordinal)) == 5);
        app.Log.Snapshot.Where(e => e.StartsWith("posted f", StringComparison.Ordinal)).ShouldBe(["posted f 1", "posted f 2", "posted f 3", "posted f 4", "posted f 5"]);
        _sidecar.Turns.Where(t => t.Actor.Id == "default~f").Select(t => t.Method).ShouldContain("Drain");
    }

    private static List<string> Fired(ProbeApp app) => [.. app.Log.Snapshot.Where(e => e.StartsWith("reminder", StringComparison.Ordinal))];

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
