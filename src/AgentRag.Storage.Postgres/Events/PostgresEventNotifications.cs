using System.Collections.Concurrent;
using System.Threading.Channels;
using AgentRag.Core.Events;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AgentRag.Storage.Postgres.Events;

/// <summary>
/// This replica's live event feed: one connection <c>LISTEN</c>s on <see cref="Channel"/>, where every append (from any
/// replica) announces its tenant, stream and sequence as it commits. For each stream with subscribers here, the committed
/// events after the last one delivered are read and handed to the subscriptions, in sequence order and once each. After
/// a lost connection it reconnects and catches every subscribed stream up from the table, so no event is skipped.
/// Thread-safe; dispose to stop listening.
/// </summary>
public sealed partial class PostgresEventNotifications : IAsyncDisposable
{
    /// <summary>The notification channel appends signal on.</summary>
    public const string Channel = "agentrag_events";

    private const char Separator = '\n';

    private readonly PostgresDatabase _database;
    private readonly TimeProvider _time;
    private readonly ILogger<PostgresEventNotifications> _logger;
    private readonly EventBroadcaster _broadcaster = new();
    private readonly ConcurrentDictionary<(string Tenant, string Stream), StreamState> _streams = new();
    private readonly Channel<Signal> _signals = System.Threading.Channels.Channel.CreateUnbounded<Signal>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _listening;
    private readonly Task _delivering;
    private volatile bool _listeningNow;

    public PostgresEventNotifications(PostgresDatabase database, TimeProvider time, ILogger<PostgresEventNotifications> logger)
    {
        _database = database;
        _time = time;
        _logger = logger;
        _listening = Task.Run(ListenAsync);
        _delivering = Task.Run(DeliverAsync);
    }

    /// <summary>The payload of an append's notification, without its sequence number (appended by the insert).</summary>
    public static string PayloadPrefix(string tenantId, string streamId) => tenantId + Separator + streamId + Separator;

    /// <summary>
    /// A live feed of the stream's events committed from now on, by any replica. Events committed just before may be
    /// delivered too: readers skip sequences they already have, as <see cref="IEventLog.Subscribe"/> documents.
    /// </summary>
    public EventSubscription Subscribe(string tenantId, string streamId)
    {
        var subscription = _broadcaster.Subscribe(tenantId, streamId);
        // Registered while listening: the first notification after this sets where delivery starts. Registered before the
        // listener is up: delivery starts from the stream's beginning, since what committed meanwhile was never announced.
        _streams.GetOrAdd((tenantId, streamId), _ => new StreamState { LastDelivered = _listeningNow ? null : 0 });
        return subscription;
    }

    private Task ListenAsync() => PostgresListener.ListenAsync(
        _database,
        Channel,
        payload =>
        {
            if (Parse(payload) is { } signal)
            {
                _signals.Writer.TryWrite(signal);
            }
        },
        () =>
        {
            // Whatever committed while no one listened (before the first connection, or while reconnecting) is read now.
            _listeningNow = true;
            foreach (var (tenant, stream) in _streams.Keys)
            {
                _signals.Writer.TryWrite(new Signal(tenant, stream, null));
            }
        },
        _time,
        _logger,
        _stopping.Token);

    private async Task DeliverAsync()
    {
        var token = _stopping.Token;
        try
        {
            await foreach (var signal in _signals.Reader.ReadAllAsync(token))
            {
                var key = (signal.Tenant, signal.Stream);
                if (!_streams.TryGetValue(key, out var state))
                {
                    continue;
                }

                if (!_broadcaster.HasSubscribers(signal.Tenant, signal.Stream))
                {
                    _streams.TryRemove(key, out _);
                    continue;
                }

                if (signal.Sequence is { } announced && state.LastDelivered >= announced)
                {
                    continue;
                }

                var after = state.LastDelivered ?? (signal.Sequence - 1) ?? 0;
                try
                {
                    await using var connection = await _database.OpenAsync(token);
                    while (true)
                    {
                        var events = await PostgresEventLog.ReadAsync(connection, signal.Tenant, signal.Stream, after, 1000, token);
                        foreach (var stored in events)
                        {
                            _broadcaster.Publish(stored);
                            after = stored.Sequence;
                        }

                        state.LastDelivered = after;
                        if (events.Count < 1000)
                        {
                            break;
                        }
                    }
                }
                catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
                {
                    // The next notification (or the reconnect's catch-up) reads from the last delivered event again.
                    LogDeliveryFailed(signal.Tenant, signal.Stream, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private static Signal? Parse(string payload)
    {
        var first = payload.IndexOf(Separator, StringComparison.Ordinal);
        var last = payload.LastIndexOf(Separator);
        return first > 0 && last > first && long.TryParse(payload.AsSpan(last + 1), System.Globalization.CultureInfo.InvariantCulture, out var sequence)
            ? new Signal(payload[..first], payload[(first + 1)..last], sequence)
            : null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _signals.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_listening, _delivering);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    /// <summary>A stream to deliver: up to <see cref="Sequence"/> when a notification announced it, else everything new.</summary>
    private sealed record Signal(string Tenant, string Stream, long? Sequence);

    private sealed class StreamState
    {
        /// <summary>The last sequence handed to this replica's subscribers; null until the first notification sets it.</summary>
        public long? LastDelivered;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivering the live events of {TenantId}/{StreamId} failed ({Reason}); the next notification retries")]
    private partial void LogDeliveryFailed(string tenantId, string streamId, string reason);
}
