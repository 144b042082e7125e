using System.Text;
using System.Text.Json;
using AgentRag.Core.Actors;
using AgentRag.Core.Serialization;
using global::Dapr.Actors.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Runtime.Dapr;

/// <summary>
/// Hosts one product <see cref="IActor"/> as a Dapr actor (Dapr.Actors.AspNetCore): the sidecar places one activation
/// cluster-wide and calls it one turn at a time (asks, tells, reminder callbacks and drains of posted step reports never
/// overlap; reentrancy is off).
/// <list type="bullet">
/// <item><b>State</b> goes through the Dapr actor state API (the SDK's state manager): every
/// <see cref="IActorContext.WriteStateAsync{T}"/> is saved as a state transaction before it returns, so it is durable
/// when the task completes, as the contract says.</item>
/// <item><b>Reminders</b> are Dapr reminders (kept by the sidecar; they survive the app). A one-shot reminder repeats
/// every <see cref="DaprRuntimeOptions.OneShotReminderRepeat"/> until the turn that handled it completes, then is
/// removed: at least once, as in the embedded host.</item>
/// <item><b>Posted messages</b> (step reports from work running outside the turn) are queued in this process
/// (<see cref="DaprActorRuntime"/>, so they outlive this activation object) and handled by a <see cref="Drain"/> turn
/// the actor asks the sidecar for. They are lost if the process dies, which the workflow's resume reminder covers.</item>
/// <item><b>Deactivate</b> drops the product actor after the turn: the next call creates it again from stored state
/// (Dapr itself releases the activation after <see cref="DaprRuntimeOptions.ActorIdleTimeout"/>).</item>
/// </list>
/// </summary>
internal sealed partial class DaprHostedActor : Actor, IDaprHostedActor, IRemindable, IActorContext
{
    private readonly DaprActorRuntime _runtime;
    private readonly TimeProvider _time;
    private readonly DaprRuntimeOptions _options;
    private readonly ILogger<DaprHostedActor> _logger;
    private readonly ActorId _id;
    private readonly SemaphoreSlim _writes = new(1, 1);
    private IActor? _actor;
    private bool _deactivateRequested;
    private string? _firingReminder;
    private bool _firingReminderReplaced;

    public DaprHostedActor(ActorHost host, DaprActorRuntime runtime, TimeProvider time, IOptions<DaprRuntimeOptions> options, ILogger<DaprHostedActor> logger)
        : base(host)
    {
        _runtime = runtime;
        _time = time;
        _options = options.Value;
        _logger = logger;
        _id = DaprActorNames.Parse(runtime.ProductTypeOf(host.ActorTypeInfo.ActorTypeName), host.Id.GetId());
    }

    ActorId IActorContext.Id => _id;

    TimeProvider IActorContext.Time => _time;

    CancellationToken IActorContext.HostStopping => _runtime.Stopping;

    public async Task<DaprActorReply> Ask(DaprActorMessage message)
    {
        try
        {
            return DaprActorReply.Of(await HandleAsync(message.Unpack()!));
        }
        catch (Exception ex)
        {
            return DaprActorReply.Failed(ex);
        }
    }

    public async Task Tell(DaprActorMessage message)
    {
        try
        {
            await HandleAsync(message.Unpack()!);
        }
        catch (Exception ex)
        {
            LogTurnFailed(ex, _id.ToString(), message.Type ?? "null");
        }
    }

    public async Task Drain()
    {
        while (_runtime.TryTakePosted(_id, out var message))
        {
            try
            {
                await HandleAsync(message);
            }
            catch (Exception ex)
            {
                LogTurnFailed(ex, _id.ToString(), message.GetType().Name);
            }
        }
    }

    public async Task ReceiveReminderAsync(string reminderName, byte[] state, TimeSpan dueTime, TimeSpan period)
    {
        var data = ReminderData(state);
        _firingReminder = reminderName;
        _firingReminderReplaced = false;
        try
        {
            await HandleAsync(new ReminderFired(reminderName, data?.Payload));
            if (data is { OneShot: true } && !_firingReminderReplaced)
            {
                await UnregisterReminderAsync(reminderName);
            }
        }
        catch (Exception ex)
        {
            // Left registered: it fires again (a one-shot one after OneShotReminderRepeat).
            LogTurnFailed(ex, _id.ToString(), nameof(ReminderFired));
        }
        finally
        {
            _firingReminder = null;
        }
    }

    async Task<T?> IActorContext.ReadStateAsync<T>(string key, CancellationToken cancellationToken) where T : default
    {
        var stored = await StateManager.TryGetStateAsync<string>(key, cancellationToken);
        return stored.HasValue ? JsonSerializer.Deserialize<T>(stored.Value, AgentRagJson.Options) : default;
    }

    async Task IActorContext.WriteStateAsync<T>(string key, T value, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(value, AgentRagJson.Options);
        // A turn may write several keys at once (a step's result and the workflow state); the SDK's state manager is not
        // thread-safe, so the writes of one activation take turns, each saved as its own state transaction.
        await _writes.WaitAsync(cancellationToken);
        try
        {
            await StateManager.SetStateAsync(key, json, cancellationToken);
            await StateManager.SaveStateAsync(cancellationToken);
        }
        finally
        {
            _writes.Release();
        }
    }

    async Task IActorContext.SetReminderAsync(string name, TimeSpan dueTime, TimeSpan? period, string? payload, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
        if (period is { } p)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(p, TimeSpan.Zero, nameof(period));
        }

        var data = JsonSerializer.SerializeToUtf8Bytes(new DaprReminderData(payload, OneShot: period is null), AgentRagJson.Options);
        await RegisterReminderAsync(name, data, dueTime, period ?? _options.OneShotReminderRepeat);
        if (name == _firingReminder)
        {
            _firingReminderReplaced = true;
        }
    }

    async Task IActorContext.RemoveReminderAsync(string name, CancellationToken cancellationToken)
    {
        if (name == _firingReminder)
        {
            _firingReminderReplaced = true; // Removed here: nothing to remove after the turn.
        }

        await UnregisterReminderAsync(name);
    }

    void IActorContext.Post(object message) => _runtime.Post(_id, message);

    void IActorContext.Deactivate() => _deactivateRequested = true;

    protected override Task OnDeactivateAsync()
    {
        _runtime.ForgetPostedIfEmpty(_id);
        return Task.CompletedTask;
    }

    private async Task<object?> HandleAsync(object message)
    {
        if (_actor is null)
        {
            var actor = _runtime.Create(_id);
            await actor.OnActivateAsync(this, _runtime.Stopping);
            _actor = actor;
        }

        try
        {
            return await _actor.ReceiveAsync(message, _runtime.Stopping);
        }
        finally
        {
            if (_deactivateRequested)
            {
                // Released after this turn: whatever comes next goes to a new instance, activated from stored state.
                _deactivateRequested = false;
                _actor = null;
            }
        }
    }

    /// <summary>
    /// The reminder's data: the SDK sends it to the sidecar base64-encoded and, depending on its version, hands the
    /// callback's <c>data</c> back decoded or as the base64 text itself; both are accepted.
    /// </summary>
    private static DaprReminderData? ReminderData(byte[]? state)
    {
        if (state is not { Length: > 0 })
        {
            return null;
        }

        if (state[0] == (byte)'{')
        {
            return JsonSerializer.Deserialize<DaprReminderData>(state, AgentRagJson.Options);
        }

        var text = Encoding.UTF8.GetString(state).Trim('"');
        return JsonSerializer.Deserialize<DaprReminderData>(Convert.FromBase64String(text), AgentRagJson.Options);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Actor {Actor} failed to handle {MessageType}.")]
    private partial void LogTurnFailed(Exception exception, string actor, string messageType);
}
