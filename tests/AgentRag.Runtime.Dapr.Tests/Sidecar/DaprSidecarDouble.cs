using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRag.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRag.Runtime.Dapr.Tests.Sidecar;

/// <summary>
/// A stand-in for <c>daprd</c> (which cannot run here), serving exactly what the app calls, as Dapr's API reference
/// (docs.dapr.io/reference/api) documents it, and calling the app back exactly as daprd does:
/// <list type="bullet">
/// <item><b>HTTP actor API</b> (<see cref="HttpEndpoint"/>): method invocation with turn-taking (one call per actor at a
/// time, the rest wait), actor state (get, transactions), reminders (create, get, delete; due time and period, fired on
/// the injected clock into <c>PUT /actors/{type}/{id}/method/remind/{name}</c>) and deactivation
/// (<c>DELETE /actors/{type}/{id}</c>). Calls the app's <c>GET /dapr/config</c> when it connects, as daprd does at
/// start, to learn the actor types it hosts.</item>
/// <item><b>gRPC API</b> (<see cref="GrpcEndpoint"/>, <see cref="DaprGrpcService"/>): state with ETags and
/// first-write-wins, pub/sub publishing (wrapped in a CloudEvent and delivered to the subscribed app route, which it
/// learns from <c>GET /dapr/subscribe</c>), and secrets.</item>
/// </list>
/// State, reminders, the state store and secrets live here, so they outlive an app that is torn down and rebuilt
/// (<see cref="DisconnectApp"/>, <see cref="ConnectAppAsync"/>): the app restart of the scenarios. Thread-safe.
/// </summary>
public sealed class DaprSidecarDouble : IAsyncDisposable
{
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<ActorKey, SemaphoreSlim> _turns = new();
    private readonly ConcurrentDictionary<ActorKey, DateTimeOffset> _activations = new();
    private readonly ConcurrentDictionary<(ActorKey Actor, string Key), string> _actorState = new();
    private readonly ConcurrentDictionary<(ActorKey Actor, string Name), Reminder> _reminders = new();
    private readonly ConcurrentQueue<Turn> _turnLog = new();
    private readonly HttpClient _app = new() { Timeout = TimeSpan.FromMinutes(2) };
    private readonly Lock _stateGate = new();
    private WebApplication? _web;
    private Uri? _appUrl;
    private HashSet<string> _entities = new(StringComparer.Ordinal);
    private long _turnSequence;
    private int _remindersFired;

    public DaprSidecarDouble(TimeProvider time) => _time = time;

    /// <summary>The HTTP API (<c>AgentRag:Dapr:HttpEndpoint</c>).</summary>
    public Uri HttpEndpoint { get; private set; } = null!;

    /// <summary>The gRPC API (<c>AgentRag:Dapr:GrpcEndpoint</c>), HTTP/2 without TLS.</summary>
    public Uri GrpcEndpoint { get; private set; } = null!;

    /// <summary>The actor types the connected app reported in <c>/dapr/config</c>.</summary>
    public IReadOnlyCollection<string> Entities => _entities;

    /// <summary>The app's <c>/dapr/config</c> as it answered.</summary>
    public JsonObject? AppConfig { get; private set; }

    /// <summary>Every actor call the double forwarded to the app, in the order they started, with start and end positions.</summary>
    public IReadOnlyList<Turn> Turns => [.. _turnLog.OrderBy(t => t.Started)];

    /// <summary>How many reminder callbacks the double has started (counted when the clock makes one fire).</summary>
    public int RemindersFired => Volatile.Read(ref _remindersFired);

    /// <summary>Actors with an activation in the connected app.</summary>
    public IReadOnlyCollection<ActorKey> Activations => [.. _activations.Keys];

    /// <summary>The state store, pub/sub and secrets behind the gRPC API.</summary>
    public DaprGrpcService Grpc { get; private set; } = null!;

    public static async Task<DaprSidecarDouble> StartAsync(TimeProvider time)
    {
        var sidecar = new DaprSidecarDouble(time);
        await sidecar.StartServerAsync();
        return sidecar;
    }

    /// <summary>
    /// Points the double at the app (as daprd does when the app's port opens): reads the app's <c>/dapr/config</c>, and
    /// <c>/dapr/subscribe</c> for its topic subscriptions, then fires every reminder that came due while no app answered.
    /// </summary>
    public async Task ConnectAppAsync(Uri app)
    {
        _appUrl = app;
        _activations.Clear();
        using (var config = await _app.GetAsync(new Uri(app, "dapr/config")))
        {
            config.EnsureSuccessStatusCode();
            AppConfig = JsonNode.Parse(await config.Content.ReadAsStringAsync())!.AsObject();
            _entities = new HashSet<string>(AppConfig["entities"]!.AsArray().Select(e => e!.GetValue<string>()), StringComparer.Ordinal);
        }

        await Grpc.ReadSubscriptionsAsync(_app, app);
        foreach (var reminder in _reminders.Values.Where(r => r.DueAt <= _time.GetUtcNow()))
        {
            _ = FireAsync(reminder);
        }
    }

    /// <summary>The app went away (its process was torn down): calls to it fail until <see cref="ConnectAppAsync"/>.</summary>
    public void DisconnectApp()
    {
        _appUrl = null;
        _activations.Clear();
    }

    /// <summary>
    /// Deactivates the actor as daprd does (after its idle timeout, or when it moves): waits for its turn, then
    /// <c>DELETE /actors/{type}/{id}</c> on the app. Returns the app's status.
    /// </summary>
    public async Task<HttpStatusCode> DeactivateAsync(string type, string id)
    {
        var actor = new ActorKey(type, id);
        var turn = _turns.GetOrAdd(actor, static _ => new SemaphoreSlim(1, 1));
        await turn.WaitAsync();
        try
        {
            using var response = await _app.DeleteAsync(AppUri($"actors/{type}/{id}"));
            _activations.TryRemove(actor, out _);
            return response.StatusCode;
        }
        finally
        {
            turn.Release();
        }
    }

    /// <summary>The stored actor state value (its JSON), or null.</summary>
    public string? ActorState(string type, string id, string key) => _actorState.GetValueOrDefault((new ActorKey(type, id), key));

    /// <summary>The actor's registered reminders by name.</summary>
    public IReadOnlyDictionary<string, Reminder> RemindersOf(string type, string id) =>
        _reminders.Where(r => r.Key.Actor == new ActorKey(type, id)).ToDictionary(r => r.Key.Name, r => r.Value, StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        foreach (var reminder in _reminders.Values)
        {
            reminder.Timer?.Dispose();
        }

        if (_web is not null)
        {
            await _web.StopAsync();
            await _web.DisposeAsync();
        }

        _app.Dispose();
    }

    private async Task StartServerAsync()
    {
        var httpPort = FreePort.Next();
        var grpcPort = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, httpPort, o => o.Protocols = HttpProtocols.Http1);
            kestrel.Listen(IPAddress.Loopback, grpcPort, o => o.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddGrpc();
        Grpc = new DaprGrpcService(this);
        builder.Services.AddSingleton(Grpc);
        _web = builder.Build();
        _web.MapGrpcService<DaprGrpcService>();
        var actors = _web.MapGroup("/v1.0/actors/{type}/{id}");
        actors.MapMethods("/method/{method}", ["PUT", "POST"], InvokeAsync);
        actors.MapGet("/state/{key}", GetState);
        actors.MapMethods("/state", ["PUT", "POST"], SaveStateTransactionAsync);
        actors.MapMethods("/reminders/{name}", ["PUT", "POST"], CreateReminderAsync);
        actors.MapGet("/reminders/{name}", GetReminder);
        actors.MapDelete("/reminders/{name}", DeleteReminder);
        _web.MapGet("/v1.0/healthz", () => Results.NoContent());
        await _web.StartAsync();
        HttpEndpoint = new Uri($"http://127.0.0.1:{httpPort}");
        GrpcEndpoint = new Uri($"http://127.0.0.1:{grpcPort}");
    }

    /// <summary>
    /// <c>POST/PUT /v1.0/actors/{actorType}/{actorId}/method/{method}</c> (Actors API, "Invoke actor method"): the body is the
    /// method's argument; 200 with the method's return as the body, 500 when the request failed, or the app's own status.
    /// Turn-based: the call waits until no other call to the same actor is in progress.
    /// </summary>
    private async Task InvokeAsync(string type, string id, string method, HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var (status, reply) = await CallActorAsync(new ActorKey(type, id), $"method/{method}", method, body.ToArray());
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(reply);
    }

    /// <summary>Forwards one call to the app in the actor's turn: <c>PUT /actors/{type}/{id}/{path}</c>.</summary>
    private async Task<(HttpStatusCode Status, byte[] Body)> CallActorAsync(ActorKey actor, string path, string label, byte[] body)
    {
        if (_appUrl is null || !_entities.Contains(actor.Type))
        {
            var error = JsonSerializer.SerializeToUtf8Bytes(new { errorCode = "ERR_ACTOR_INSTANCE_MISSING", message = $"actor type {actor.Type} is not hosted by a connected app" });
            return (HttpStatusCode.InternalServerError, error);
        }

        var turn = _turns.GetOrAdd(actor, static _ => new SemaphoreSlim(1, 1));
        await turn.WaitAsync();
        var started = Interlocked.Increment(ref _turnSequence);
        try
        {
            _activations[actor] = _time.GetUtcNow();
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var response = await _app.PutAsync(AppUri($"actors/{actor.Type}/{actor.Id}/{path}"), content);
            return (response.StatusCode, await response.Content.ReadAsByteArrayAsync());
        }
        catch (HttpRequestException ex)
        {
            return (HttpStatusCode.InternalServerError, JsonSerializer.SerializeToUtf8Bytes(new { errorCode = "ERR_ACTOR_INVOKE_METHOD", message = ex.Message }));
        }
        finally
        {
            _turnLog.Enqueue(new Turn(actor, label, started, Interlocked.Increment(ref _turnSequence)));
            turn.Release();
        }
    }

    /// <summary><c>GET /v1.0/actors/{actorType}/{actorId}/state/{key}</c> (Actors API, "Get actor state"): 200 with the value, 204 when the key is not found.</summary>
    private IResult GetState(string type, string id, string key) =>
        _actorState.TryGetValue((new ActorKey(type, id), key), out var json)
            ? Results.Text(json, "application/json", statusCode: 200)
            : Results.NoContent();

    /// <summary>
    /// <c>POST/PUT /v1.0/actors/{actorType}/{actorId}/state</c> (Actors API, "Actor state transactions"): an array of
    /// <c>{"operation": "upsert"|"delete", "request": {"key", "value"}}</c> applied all or nothing; 204 on success, 400 when
    /// the actor is not found (not activated in the app), 500 when the request failed.
    /// </summary>
    private async Task<IResult> SaveStateTransactionAsync(string type, string id, HttpRequest request)
    {
        var actor = new ActorKey(type, id);
        if (!_activations.ContainsKey(actor))
        {
            return Results.BadRequest(new { errorCode = "ERR_ACTOR_INSTANCE_MISSING", message = $"actor {type}/{id} is not activated" });
        }

        JsonArray operations;
        try
        {
            operations = (await JsonNode.ParseAsync(request.Body))!.AsArray();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return Results.Json(new { errorCode = "ERR_MALFORMED_REQUEST", message = ex.Message }, statusCode: 500);
        }

        var changes = new List<(string Operation, string Key, string? Value)>();
        foreach (var operation in operations)
        {
            var kind = operation?["operation"]?.GetValue<string>();
            var key = operation?["request"]?["key"]?.GetValue<string>();
            if (kind is not ("upsert" or "delete") || key is null)
            {
                return Results.Json(new { errorCode = "ERR_MALFORMED_REQUEST", message = $"not a state operation: {operation?.ToJsonString()}" }, statusCode: 500);
            }

            changes.Add((kind, key, operation!["request"]!["value"]?.ToJsonString()));
        }

        lock (_stateGate)
        {
            foreach (var (kind, key, value) in changes)
            {
                if (kind == "upsert")
                {
                    _actorState[(actor, key)] = value ?? "null";
                }
                else
                {
                    _actorState.TryRemove((actor, key), out _);
                }
            }
        }

        return Results.NoContent();
    }

    /// <summary>
    /// <c>POST/PUT /v1.0/actors/{actorType}/{actorId}/reminders/{name}</c> (Actors API, "Create actor reminder"): body
    /// <c>{"dueTime", "period", "data"}</c>; the reminder first fires after <c>dueTime</c>, then every <c>period</c> (none: once;
    /// <c>R{n}/…</c>: n times); creating one under an existing name replaces it. 204 on success, 500 when the request failed.
    /// </summary>
    private async Task<IResult> CreateReminderAsync(string type, string id, string name, HttpRequest request)
    {
        JsonObject body;
        TimeSpan due;
        (TimeSpan Value, int? Repetitions)? period;
        try
        {
            body = (await JsonNode.ParseAsync(request.Body))!.AsObject();
            due = body["dueTime"]?.GetValue<string>() is { Length: > 0 } dueText ? DaprDurations.Parse(dueText).Value : TimeSpan.Zero;
            period = body["period"]?.GetValue<string>() is { Length: > 0 } periodText ? DaprDurations.Parse(periodText) : null;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return Results.Json(new { errorCode = "ERR_MALFORMED_REQUEST", message = ex.Message }, statusCode: 500);
        }

        var actor = new ActorKey(type, id);
        var reminder = new Reminder(actor, name, body["dueTime"]?.GetValue<string>() ?? "", body["period"]?.GetValue<string>() ?? "",
            period?.Value, period?.Repetitions, body["data"]?.ToJsonString(), _time.GetUtcNow() + due);
        if (_reminders.TryRemove((actor, name), out var previous))
        {
            previous.Timer?.Dispose();
        }

        _reminders[(actor, name)] = reminder;
        Arm(reminder);
        return Results.NoContent();
    }

    /// <summary><c>GET /v1.0/actors/{actorType}/{actorId}/reminders/{name}</c> (Actors API, "Get actor reminder"): 200 with <c>{"dueTime", "period", "data"}</c>.</summary>
    private IResult GetReminder(string type, string id, string name) =>
        _reminders.TryGetValue((new ActorKey(type, id), name), out var reminder)
            ? Results.Json(new { dueTime = reminder.DueTimeText, period = reminder.PeriodText, data = reminder.Data is null ? null : JsonNode.Parse(reminder.Data) })
            : Results.NotFound();

    /// <summary><c>DELETE /v1.0/actors/{actorType}/{actorId}/reminders/{name}</c> (Actors API, "Delete actor reminder"): 204, also when there was none.</summary>
    private IResult DeleteReminder(string type, string id, string name)
    {
        if (_reminders.TryRemove((new ActorKey(type, id), name), out var reminder))
        {
            reminder.Timer?.Dispose();
        }

        return Results.NoContent();
    }

    private void Arm(Reminder reminder)
    {
        var due = reminder.DueAt - _time.GetUtcNow();
        reminder.Timer = _time.CreateTimer(_ => _ = FireAsync(reminder), null, due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Fires the reminder as daprd does: <c>PUT /actors/{type}/{id}/method/remind/{name}</c> with
    /// <c>{"data", "dueTime", "period"}</c>, in the actor's turn. A periodic one is armed again a period after it was due
    /// (until its repetitions run out); a one-shot one is deleted once the app took it (2xx). With no app answering, it
    /// stays due and fires when an app connects.
    /// </summary>
    private async Task FireAsync(Reminder fired)
    {
        if (!_reminders.TryGetValue((fired.Actor, fired.Name), out var current) || !ReferenceEquals(current, fired) || _appUrl is null)
        {
            return; // replaced, deleted, or nobody to call (it fires when an app connects)
        }

        Interlocked.Increment(ref _remindersFired);

        // The next tick is scheduled before the callback, as daprd's scheduler does: it does not wait for the app.
        Reminder? next = null;
        if (current.Period is { } period && (current.Repetitions is null || current.Repetitions > 1))
        {
            var dueAt = current.DueAt + period;
            while (dueAt <= _time.GetUtcNow())
            {
                dueAt += period; // ticks missed while the app was away are not made up
            }

            next = current with { DueAt = dueAt, Repetitions = current.Repetitions - 1, Timer = null };
            if (_reminders.TryUpdate((current.Actor, current.Name), next, current))
            {
                Arm(next);
            }
        }

        var body = new JsonObject
        {
            ["dueTime"] = current.DueTimeText,
            ["period"] = current.PeriodText,
        };
        if (current.Data is not null)
        {
            body["data"] = JsonNode.Parse(current.Data);
        }

        var (status, _) = await CallActorAsync(current.Actor, $"method/remind/{current.Name}", $"remind/{current.Name}", Encoding.UTF8.GetBytes(body.ToJsonString()));
        if (next is null && (int)status is >= 200 and < 300)
        {
            // A one-shot reminder the app took is done (unless its turn replaced it, which left another one stored).
            _reminders.TryRemove(new KeyValuePair<(ActorKey, string), Reminder>((current.Actor, current.Name), current));
        }
    }

    /// <summary>The double's clock.</summary>
    internal DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>The client the double calls the app with.</summary>
    internal HttpClient AppClient => _app;

    /// <summary>The app's URL of <paramref name="route"/> (a subscription's route).</summary>
    internal Uri AppRoute(string route) => AppUri(route.TrimStart('/'));

    private Uri AppUri(string path) => new(_appUrl ?? throw new InvalidOperationException("No app is connected to the sidecar double."), path);

    /// <summary>A Dapr actor: its type and id as the URL carries them.</summary>
    public readonly record struct ActorKey(string Type, string Id);

    /// <summary>One call the double made into the app for an actor; <see cref="Started"/> and <see cref="Ended"/> are positions in one sequence.</summary>
    public sealed record Turn(ActorKey Actor, string Method, long Started, long Ended);

    /// <summary>A registered reminder as the double keeps it.</summary>
    public sealed record Reminder(ActorKey Actor, string Name, string DueTimeText, string PeriodText, TimeSpan? Period, int? Repetitions, string? Data, DateTimeOffset DueAt)
    {
        internal ITimer? Timer { get; set; }
    }
}
