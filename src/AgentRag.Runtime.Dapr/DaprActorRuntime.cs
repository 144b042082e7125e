using System.Collections.Concurrent;
using AgentRag.Core.Actors;
using global::Dapr.Actors.Client;
using Microsoft.Extensions.Logging;

namespace AgentRag.Runtime.Dapr;

/// <summary>
/// The <see cref="IActorRuntime"/> of the Dapr runtime (<c>AgentRag:Runtime</c> = <c>dapr</c>): every message goes to the
/// actor through the sidecar's actor API (<c>PUT /v1.0/actors/{type}/{id}/method/{Ask|Tell}</c> via the SDK's actor
/// proxy), wherever the placement service put the actor; the sidecar calls the app hosting it back
/// (<see cref="DaprHostedActor"/>). Messages and replies cross as JSON (<see cref="DaprActorMessage"/>), an actor's
/// exception as its type and message (<see cref="DaprActorReply"/>).
/// <para>
/// Reminders live in the sidecar (the Dapr scheduler in a cluster), which fires them into whichever replica hosts the
/// actor, so there is nothing to re-arm at start: <see cref="StartAsync"/> does nothing. Thread-safe.
/// </para>
/// </summary>
public sealed partial class DaprActorRuntime : IActorRuntime
{
    private readonly ActorRegistry _registrations;
    private readonly Dictionary<string, string> _productTypes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ActorId, PostedQueue> _posted = new();
    private readonly IActorProxyFactory _proxies;
    private readonly ILogger<DaprActorRuntime> _logger;
    private readonly CancellationTokenSource _stopping = new();

    public DaprActorRuntime(IEnumerable<ActorRegistration> registrations, IActorProxyFactory proxies, ILogger<DaprActorRuntime> logger, bool isClient = false)
    {
        var list = registrations.ToList();
        _registrations = new ActorRegistry(list);
        foreach (var registration in list)
        {
            _productTypes[DaprActorNames.TypeOf(registration.Type)] = registration.Type;
        }

        _proxies = proxies;
        _logger = logger;
        IsClient = isClient;
    }

    /// <summary>
    /// True when this process hosts actors (the server, whose endpoints the sidecar calls); false in a client (a CLI
    /// command), which only sends messages. Either way the sidecar, not this process, drives stored reminders.
    /// </summary>
    public bool OwnsRecovery => !IsClient;

    /// <summary>True when this process only sends messages to actors hosted elsewhere.</summary>
    public bool IsClient { get; }

    /// <summary>The Dapr actor types this process hosts, by product type.</summary>
    public IReadOnlyDictionary<string, string> DaprTypes => _productTypes.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    /// <summary>Cancelled when this process stops: actors' work stops without recording a failure.</summary>
    internal CancellationToken Stopping => _stopping.Token;

    /// <summary>Nothing to do: the sidecar keeps the reminders and fires them once the app answers its <c>/dapr/config</c>.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Cancels actors' work; the sidecar moves or re-activates actors when the app is gone. Idempotent.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _stopping.CancelAsync();

    public async Task<TResponse> AskAsync<TResponse>(ActorId id, object message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var reply = await ProxyOf(id).InvokeMethodAsync<DaprActorMessage, DaprActorReply>(nameof(IDaprHostedActor.Ask), DaprActorMessage.Of(message), cancellationToken);
        return ActorReplies.As<TResponse>(id, message, reply.Unpack(id));
    }

    public Task TellAsync(ActorId id, object message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var proxy = ProxyOf(id);
        var packed = DaprActorMessage.Of(message);
        _ = SendAsync(id, nameof(IDaprHostedActor.Tell), () => proxy.InvokeMethodAsync(nameof(IDaprHostedActor.Tell), packed, CancellationToken.None));
        return Task.CompletedTask;
    }

    /// <summary>The product actor type hosted as Dapr actor type <paramref name="daprType"/>.</summary>
    internal string ProductTypeOf(string daprType) =>
        _productTypes.TryGetValue(daprType, out var type)
            ? type
            : throw new InvalidOperationException($"No actor type is hosted as the Dapr actor type '{daprType}' (hosted: {string.Join(", ", _productTypes.Keys)}).");

    /// <summary>A fresh instance of the actor type of <paramref name="id"/>, for its activation.</summary>
    internal IActor Create(ActorId id) => _registrations.Get(id.Type).Create();

    /// <summary>Queues a message the actor posted to itself and asks the sidecar for a <see cref="IDaprHostedActor.Drain"/> turn. Dropped once stopping.</summary>
    internal void Post(ActorId id, object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_stopping.IsCancellationRequested)
        {
            return; // Dropped, as documented: the resume reminder re-runs what was in flight.
        }

        while (true)
        {
            var queue = _posted.GetOrAdd(id, static _ => new PostedQueue());
            lock (queue)
            {
                if (queue.Removed)
                {
                    continue;
                }

                queue.Messages.Enqueue(message);
            }

            break;
        }

        ScheduleDrain(id);
    }

    /// <summary>Asks the sidecar for a drain turn of <paramref name="id"/>; does not wait for it.</summary>
    internal void ScheduleDrain(ActorId id)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        var proxy = ProxyOf(id);
        _ = SendAsync(id, nameof(IDaprHostedActor.Drain), () => proxy.InvokeMethodAsync(nameof(IDaprHostedActor.Drain), CancellationToken.None));
    }

    /// <summary>The next message <paramref name="id"/> posted to itself, in order.</summary>
    internal bool TryTakePosted(ActorId id, out object message)
    {
        if (_posted.TryGetValue(id, out var queue))
        {
            lock (queue)
            {
                return queue.Messages.TryDequeue(out message!);
            }
        }

        message = null!;
        return false;
    }

    /// <summary>Forgets the actor's queue when it is empty (the sidecar deactivated the actor).</summary>
    internal void ForgetPostedIfEmpty(ActorId id)
    {
        if (_posted.TryGetValue(id, out var queue))
        {
            lock (queue)
            {
                if (queue.Messages.Count == 0)
                {
                    queue.Removed = true;
                    _posted.TryRemove(new KeyValuePair<ActorId, PostedQueue>(id, queue));
                }
            }
        }
    }

    private ActorProxy ProxyOf(ActorId id)
    {
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        _registrations.Get(id.Type); // throws for an unregistered type, before any call
        return _proxies.Create(new global::Dapr.Actors.ActorId(DaprActorNames.IdOf(id)), DaprActorNames.TypeOf(id.Type));
    }

    private async Task SendAsync(ActorId id, string method, Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (Exception ex) when (!_stopping.IsCancellationRequested)
        {
            LogSendFailed(ex, method, id.ToString());
        }
        catch (Exception)
        {
            // Stopping: dropped, as documented.
        }
    }

    internal static ActorProxyOptions ProxyOptions(DaprRuntimeOptions options)
    {
        var proxy = new ActorProxyOptions { RequestTimeout = options.ActorCallTimeout };
        if (options.HttpEndpoint.Length > 0)
        {
            proxy.HttpEndpoint = options.HttpEndpoint;
        }

        if (options.ApiToken.Length > 0)
        {
            proxy.DaprApiToken = options.ApiToken;
        }

        return proxy;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Method} call to actor {Actor} through the Dapr sidecar failed.")]
    private partial void LogSendFailed(Exception exception, string method, string actor);

    private sealed class PostedQueue
    {
        public Queue<object> Messages { get; } = new();

        public bool Removed { get; set; }
    }
}
