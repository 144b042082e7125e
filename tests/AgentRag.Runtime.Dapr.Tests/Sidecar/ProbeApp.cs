using System.Collections.Concurrent;
using System.Net;
using AgentRag.Core.Actors;
using AgentRag.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRag.Runtime.Dapr.Tests.Sidecar;

/// <summary>
/// A small app hosting one actor type, <c>probe</c> (Dapr type <c>ProbeActor</c>), on the Dapr runtime
/// (<see cref="DependencyInjection.AddDaprActorRuntime"/> and <see cref="DependencyInjection.MapDaprRuntime"/>), connected
/// to the sidecar double: what the double's own tests drive. <see cref="Log"/> records what the actors saw.
/// </summary>
public sealed class ProbeApp : IAsyncDisposable
{
    public const string Type = "probe";
    public const string DaprType = "ProbeActor";

    private readonly WebApplication _web;
    private readonly DaprSidecarDouble _sidecar;

    private ProbeApp(WebApplication web, DaprSidecarDouble sidecar, ProbeLog log)
    {
        _web = web;
        _sidecar = sidecar;
        Log = log;
    }

    public ProbeLog Log { get; }

    public IActorRuntime Runtime => _web.Services.GetRequiredService<IActorRuntime>();

    public IServiceProvider Services => _web.Services;

    public static async Task<ProbeApp> StartAsync(DaprSidecarDouble sidecar, TimeProvider time, IDictionary<string, string?>? settings = null, ProbeLog? log = null)
    {
        log ??= new ProbeLog();
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["AgentRag:Dapr:HttpEndpoint"] = sidecar.HttpEndpoint.ToString().TrimEnd('/'),
            ["AgentRag:Dapr:GrpcEndpoint"] = sidecar.GrpcEndpoint.ToString().TrimEnd('/'),
        });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(new ActorRegistration(Type, () => new ProbeActor(log)));
        builder.Services.AddDaprActorRuntime();
        builder.Services.AddSingleton<Events.IDaprCommandHandler>(new ProbeCommands(log));
        var web = builder.Build();
        web.MapDaprRuntime();
        await web.StartAsync();
        await sidecar.ConnectAppAsync(new Uri($"http://127.0.0.1:{port}/"));
        return new ProbeApp(web, sidecar, log);
    }

    public static ActorId Id(string id) => new(Type, "default", id);

    public async ValueTask DisposeAsync()
    {
        _sidecar.DisconnectApp();
        await _web.StopAsync();
        await _web.DisposeAsync();
    }
}

/// <summary>What the probe actors saw: activations, turns entered and left, reminders fired; and gates a turn can wait on.</summary>
public sealed class ProbeLog
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public ConcurrentDictionary<string, TaskCompletionSource> Gates { get; } = new();

    public TaskCompletionSource Gate(string name) => Gates.GetOrAdd(name, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public IReadOnlyList<string> Snapshot => [.. Entries];
}

/// <summary>Holds its turn until the named gate opens.</summary>
public sealed record ProbeHold(string Gate);

/// <summary>Adds one to the stored <c>count</c> and returns it.</summary>
public sealed record ProbeIncrement;

/// <summary>Registers a reminder through <see cref="IActorContext.SetReminderAsync"/>.</summary>
public sealed record ProbeSetReminder(string Name, TimeSpan Due, TimeSpan? Period, string? Payload);

/// <summary>Throws <see cref="ArgumentException"/> with the message.</summary>
public sealed record ProbeFail(string Message);

/// <summary>Posts <see cref="Count"/> numbered messages to itself (as steps report back), each logged when handled.</summary>
public sealed record ProbePost(int Count);

/// <summary>A message the actor posted to itself.</summary>
public sealed record ProbePosted(int Number);

/// <summary>Handles <c>probe.note</c> commands by logging their <c>text</c>; <c>"fail": true</c> throws (a retry).</summary>
internal sealed class ProbeCommands(ProbeLog log) : Events.IDaprCommandHandler
{
    public string CommandType => "probe.note";

    public Task<Events.DaprCommandOutcome> HandleAsync(System.Text.Json.JsonElement command, CancellationToken cancellationToken)
    {
        if (command.TryGetProperty("fail", out var fail) && fail.GetBoolean())
        {
            throw new InvalidOperationException("the probe was asked to fail");
        }

        log.Entries.Enqueue($"command {command.GetProperty("text").GetString()}");
        return Task.FromResult(Events.DaprCommandOutcome.Handled);
    }
}

internal sealed class ProbeActor(ProbeLog log) : IActor
{
    private IActorContext _context = null!;

    public Task OnActivateAsync(IActorContext context, CancellationToken cancellationToken)
    {
        _context = context;
        log.Entries.Enqueue($"activate {context.Id.Id}");
        return Task.CompletedTask;
    }

    public async Task<object?> ReceiveAsync(object message, CancellationToken cancellationToken)
    {
        var id = _context.Id.Id;
        switch (message)
        {
            case ProbeHold hold:
                log.Entries.Enqueue($"enter {id} {hold.Gate}");
                await log.Gate(hold.Gate).Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
                log.Entries.Enqueue($"leave {id} {hold.Gate}");
                return hold.Gate;
            case ProbeIncrement:
                var count = await _context.ReadStateAsync<int>("count", cancellationToken) + 1;
                await _context.WriteStateAsync("count", count, cancellationToken);
                return count;
            case ProbeSetReminder set:
                await _context.SetReminderAsync(set.Name, set.Due, set.Period, set.Payload, cancellationToken);
                return true;
            case ProbeFail fail:
                throw new ArgumentException(fail.Message);
            case ProbePost post:
                _ = Task.Run(() =>
                {
                    for (var n = 1; n <= post.Count; n++)
                    {
                        _context.Post(new ProbePosted(n));
                    }
                }, CancellationToken.None);
                return true;
            case ProbePosted posted:
                log.Entries.Enqueue($"posted {id} {posted.Number}");
                return null;
            case ReminderFired fired:
                log.Entries.Enqueue($"reminder {id} {fired.Name} {fired.Payload}");
                return null;
            default:
                throw new InvalidOperationException($"The probe does not handle {message.GetType().Name}.");
        }
    }
}
