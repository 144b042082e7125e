using AgentRag.Core.Actors;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;

namespace AgentRag.Runtime.Orleans;

/// <summary>
/// The <see cref="IActorRuntime"/> of cluster mode (<c>AgentRag:Runtime</c> = <c>orleans</c>): every actor is an
/// <see cref="IActorGrain"/> of the Orleans cluster this replica is a silo of, wherever it is activated. Messages and
/// replies cross replicas as JSON (<see cref="ActorMessage"/>).
/// <para>
/// A call that cannot reach the replica holding the actor (it died and the cluster has not evicted it yet, so the
/// directory still names it) is retried with a short backoff for up to
/// <see cref="OrleansRuntimeOptions.CallRetryTimeout"/>; once the dead replica is evicted, the actor activates on a
/// survivor and the retry reaches it. Only failures that mean "not delivered" are retried; the actor's own exceptions
/// reach the caller as thrown. Thread-safe.
/// </para>
/// </summary>
public sealed partial class OrleansActorRuntime : IActorRuntime
{
    private readonly ActorRegistry _registrations;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly OrleansRuntimeOptions _options;
    private readonly ILogger<OrleansActorRuntime> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _starting = new(1, 1);
    private IGrainFactory? _grains;
    private bool _clientStarted;

    public OrleansActorRuntime(
        IEnumerable<ActorRegistration> registrations, IServiceProvider services, TimeProvider time, IOptions<OrleansRuntimeOptions> options,
        ILogger<OrleansActorRuntime> logger, bool isClient = false)
    {
        IsClient = isClient;
        _registrations = new ActorRegistry(registrations);
        _services = services;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>
    /// True in a silo: in a cluster, every replica takes part in recovery (the reminders fire on whichever replica owns
    /// them). False in a client (a CLI command): it sends messages to the cluster's actors and runs none.
    /// </summary>
    public bool OwnsRecovery => !IsClient;

    /// <summary>True when this process is an Orleans client of the cluster (a CLI command), not one of its silos.</summary>
    public bool IsClient { get; }

    /// <summary>Cancelled when this replica stops: actors' work stops without recording a failure.</summary>
    internal CancellationToken Stopping => _stopping.Token;

    /// <summary>This replica's silo address, for logs.</summary>
    internal string SiloAddress => (_services.GetService(typeof(ILocalSiloDetails)) as ILocalSiloDetails)?.SiloAddress.ToString() ?? "?";

    private IGrainFactory Grains => _grains ??= (IGrainFactory)(_services.GetService(typeof(IGrainFactory))
        ?? throw new InvalidOperationException("The Orleans runtime has no grain factory: AddOrleansActorRuntime registers the silo."));

    /// <summary>
    /// In a silo, nothing: the silo starts with the host (a hosted service). In a client, connects to the cluster through
    /// a gateway the membership table in Redis names; throws when none answers. Idempotent.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!IsClient || _clientStarted)
        {
            return;
        }

        await _starting.WaitAsync(cancellationToken);
        try
        {
            if (!_clientStarted)
            {
                var client = (IHostedService)(_services.GetService(typeof(IClusterClient)) ?? throw new InvalidOperationException("No Orleans client is registered."));
                await client.StartAsync(cancellationToken);
                _clientStarted = true;
            }
        }
        finally
        {
            _starting.Release();
        }
    }

    /// <summary>Cancels actors' work; the silo itself stops with the host (and hands its actors over). Idempotent.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (IsClient && _clientStarted && _services.GetService(typeof(IClusterClient)) is IHostedService client)
        {
            _clientStarted = false;
            await client.StopAsync(cancellationToken);
        }
    }

    public async Task<TResponse> AskAsync<TResponse>(ActorId id, object message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var grain = GrainOf(id);
        var packed = ActorMessage.Pack(message);
        var reply = await CallAsync(id, () => grain.Ask(packed), cancellationToken);
        return ActorReplies.As<TResponse>(id, message, reply.Unpack());
    }

    public Task TellAsync(ActorId id, object message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var grain = GrainOf(id);
        var packed = ActorMessage.Pack(message);
        return CallAsync(id, async () =>
        {
            await grain.Tell(packed);
            return packed;
        }, cancellationToken);
    }

    /// <summary>A fresh instance of the actor type of <paramref name="id"/>, for its grain's activation.</summary>
    internal IActor Create(ActorId id) => _registrations.Get(id.Type).Create();

    private IActorGrain GrainOf(ActorId id)
    {
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        _registrations.Get(id.Type); // throws for an unregistered type, before any call
        return Grains.GetGrain<IActorGrain>(ActorGrainKey.Of(id));
    }

    private async Task<T> CallAsync<T>(ActorId id, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call().WaitAsync(cancellationToken);
            }
            catch (Exception ex) when (IsNotDelivered(ex) && _time.GetElapsedTime(started) < _options.CallRetryTimeout && !cancellationToken.IsCancellationRequested)
            {
                LogRetrying(id.ToString(), attempt, ex.GetType().Name, ex.Message);
                await Task.Delay(delay, _time, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
            }
        }
    }

    /// <summary>Failures that mean the message never reached a live activation: the target replica is gone or refused it.</summary>
    private static bool IsNotDelivered(Exception ex) =>
        ex is SiloUnavailableException or OrleansMessageRejectionException or ClientNotAvailableException
            || ex.GetType().FullName is "Orleans.Runtime.Messaging.ConnectionFailedException" or "Orleans.Networking.Shared.SocketConnectionException";

    [LoggerMessage(Level = LogLevel.Warning, Message = "A call to actor {Actor} did not reach it (attempt {Attempt}, {Error}: {Message}); retrying until its replica is evicted.")]
    private partial void LogRetrying(string actor, int attempt, string error, string message);
}
