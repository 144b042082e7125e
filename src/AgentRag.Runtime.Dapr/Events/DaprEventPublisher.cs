using System.Threading.Channels;
using global::Dapr.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Runtime.Dapr.Events;

/// <summary>
/// Publishes integration events (<see cref="IntegrationEvent"/>) to <see cref="DaprRuntimeOptions.PubSub"/> /
/// <see cref="DaprRuntimeOptions.Topic"/> through the sidecar's gRPC API (<c>DaprClient.PublishEventAsync</c>; the sidecar
/// wraps each in a CloudEvent), in the order they were queued, off the request path. A publish that fails is retried 3
/// times (1/2/4 s on the injected clock), then logged and dropped: delivery is at most once per process lifetime; the
/// durable record is the event stream itself, which subscribers can read back by subject and sequence. Thread-safe.
/// </summary>
public sealed partial class DaprEventPublisher(DaprClient dapr, IOptions<DaprRuntimeOptions> options, TimeProvider time, ILogger<DaprEventPublisher> logger)
    : BackgroundService
{
    private readonly Channel<IntegrationEvent> _queue = Channel.CreateBounded<IntegrationEvent>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    /// <summary>Queues <paramref name="integrationEvent"/>; never blocks (beyond 10,000 queued, the oldest is dropped).</summary>
    public void Enqueue(IntegrationEvent integrationEvent) => _queue.Writer.TryWrite(integrationEvent);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        await foreach (var integration in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await dapr.PublishEventAsync(settings.PubSub, settings.Topic, integration, stoppingToken);
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException && attempt < 3)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1 << attempt), time, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogDropped(ex, integration.Type, integration.Subject, integration.Sequence);
                    break;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The integration event {Type} of {Subject} (sequence {Sequence}) could not be published through the Dapr sidecar; dropped.")]
    private partial void LogDropped(Exception exception, string type, string subject, long sequence);
}
