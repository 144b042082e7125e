using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace AgentRag.Agents.Approvals;

/// <summary>
/// Delivers approval notifications to tenants' webhooks, in the background: <see cref="Enqueue"/> never blocks (a
/// workflow never waits on a webhook). Each delivery is a JSON <c>POST</c> whose body is signed with HMAC-SHA256 under
/// the tenant's secret (<see cref="SignatureHeader"/>: <c>sha256=&lt;lower-case hex&gt;</c> of the exact body bytes).
/// A failed attempt (connection error, timeout, 408, 429 or 5xx) is retried with exponential backoff and jitter on the
/// injected clock, up to <see cref="ApprovalOptions.WebhookMaxAttempts"/> attempts; other statuses are not retried.
/// Failures are logged and counted, never thrown. Deliveries in flight when the process stops are lost (the tenant's
/// approvals stream keeps every notification for replay). Thread-safe.
/// </summary>
public sealed partial class ApprovalWebhookDispatcher : IAsyncDisposable
{
    public const string SignatureHeader = "X-AgentRag-Signature";
    public const string EventHeader = "X-AgentRag-Event";
    public const string DeliveryHeader = "X-AgentRag-Delivery";
    public const string TenantHeader = "X-AgentRag-Tenant";

    /// <summary>Deliveries waiting at most; more are dropped (and logged).</summary>
    public const int QueueCapacity = 10_000;

    private const int Concurrency = 4;

    private readonly Channel<WebhookDelivery> _queue = Channel.CreateBounded<WebhookDelivery>(
        new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly ApprovalOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ApprovalWebhookDispatcher> _logger;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline _pipeline;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _slots = new(Concurrency, Concurrency);
    private readonly Lock _startGate = new();
    private Task? _loop;
    private long _delivered;
    private long _failed;
    private long _attempts;
    private int _disposed;

    public ApprovalWebhookDispatcher(ApprovalOptions options, TimeProvider time, ILogger<ApprovalWebhookDispatcher> logger, HttpMessageHandler? handler = null)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = Timeout.InfiniteTimeSpan };
        var builder = new ResiliencePipelineBuilder { TimeProvider = time, Name = "approval-webhook" };
        if (options.WebhookMaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.WebhookMaxAttempts - 1,
                Delay = options.WebhookRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<WebhookAttemptException>(e => e.Retryable),
                OnRetry = args =>
                {
                    LogAttemptFailed(args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, args.Outcome.Exception?.Message ?? "unknown error");
                    return ValueTask.CompletedTask;
                },
            });
        }

        _pipeline = builder.Build();
    }

    /// <summary>Notifications delivered (a 2xx answer).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Notifications given up on (attempts exhausted, a non-retryable answer, or dropped).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>HTTP attempts made.</summary>
    public long Attempts => Interlocked.Read(ref _attempts);

    /// <summary>The signature header's value for <paramref name="body"/> under <paramref name="secret"/>.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
    }

    /// <summary>
    /// Queues a delivery of <paramref name="body"/> (JSON) to <paramref name="webhook"/>. Returns at once; false when the
    /// queue is full or the dispatcher is stopping (the notification is dropped and logged).
    /// </summary>
    public bool Enqueue(ApprovalWebhook webhook, string tenantId, string eventType, string deliveryId, string body)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        EnsureStarted();
        if (_queue.Writer.TryWrite(new WebhookDelivery(webhook, tenantId, eventType, deliveryId, Encoding.UTF8.GetBytes(body))))
        {
            return true;
        }

        Interlocked.Increment(ref _failed);
        LogDropped(eventType, deliveryId, tenantId);
        return false;
    }

    /// <summary>Stops delivering: what is queued or in flight is dropped. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _stopping.CancelAsync();
        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        for (var i = 0; i < Concurrency; i++)
        {
            await _slots.WaitAsync(CancellationToken.None);
        }

        _http.Dispose();
        _stopping.Dispose();
    }

    private void EnsureStarted()
    {
        if (_loop is not null)
        {
            return;
        }

        lock (_startGate)
        {
            _loop ??= Task.Run(RunAsync);
        }
    }

    private async Task RunAsync()
    {
        try
        {
            await foreach (var delivery in _queue.Reader.ReadAllAsync(_stopping.Token))
            {
                await _slots.WaitAsync(_stopping.Token);
                _ = DeliverAsync(delivery);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping: what is still queued is dropped, as documented.
        }
    }

    private async Task DeliverAsync(WebhookDelivery delivery)
    {
        try
        {
            var attempts = 0;
            await _pipeline.ExecuteAsync(async token =>
            {
                attempts++;
                await AttemptAsync(delivery, token);
            }, _stopping.Token);
            Interlocked.Increment(ref _delivered);
            LogDelivered(delivery.EventType, delivery.DeliveryId, delivery.Webhook.Url.ToString(), attempts);
        }
        catch (WebhookAttemptException ex)
        {
            Interlocked.Increment(ref _failed);
            LogDeliveryFailed(ex, delivery.EventType, delivery.DeliveryId, delivery.Webhook.Url.ToString(), delivery.TenantId);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _failed);
            LogDeliveryFailed(ex, delivery.EventType, delivery.DeliveryId, delivery.Webhook.Url.ToString(), delivery.TenantId);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task AttemptAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _attempts);
        using var timeout = new CancellationTokenSource(_options.WebhookTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Webhook.Url)
        {
            Content = new ByteArrayContent(delivery.Body),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(SignatureHeader, Sign(delivery.Webhook.Secret, delivery.Body));
        request.Headers.Add(EventHeader, delivery.EventType);
        request.Headers.Add(DeliveryHeader, delivery.DeliveryId);
        request.Headers.Add(TenantHeader, delivery.TenantId);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
        }
        catch (HttpRequestException ex)
        {
            throw new WebhookAttemptException($"POST {delivery.Webhook.Url} failed: {ex.Message}", retryable: true, ex);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new WebhookAttemptException(
                string.Create(CultureInfo.InvariantCulture, $"POST {delivery.Webhook.Url} timed out after {_options.WebhookTimeout.TotalSeconds:0.###} s"), retryable: true, ex);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            var status = response.StatusCode;
            var retryable = status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;
            throw new WebhookAttemptException(
                string.Create(CultureInfo.InvariantCulture, $"POST {delivery.Webhook.Url} answered {(int)status} {response.ReasonPhrase}"), retryable);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Approval webhook {EventType} (delivery {DeliveryId}) delivered to {Url} after {Attempts} attempt(s).")]
    private partial void LogDelivered(string eventType, string deliveryId, string url, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Approval webhook attempt {Attempt} failed ({Error}); retrying in {DelayMs} ms.")]
    private partial void LogAttemptFailed(int attempt, double delayMs, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Approval webhook {EventType} (delivery {DeliveryId}) to {Url} for tenant {TenantId} failed; giving up.")]
    private partial void LogDeliveryFailed(Exception exception, string eventType, string deliveryId, string url, string tenantId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Approval webhook {EventType} (delivery {DeliveryId}) for tenant {TenantId} dropped: the queue is full or stopping.")]
    private partial void LogDropped(string eventType, string deliveryId, string tenantId);

    private sealed record WebhookDelivery(ApprovalWebhook Webhook, string TenantId, string EventType, string DeliveryId, byte[] Body);

    private sealed class WebhookAttemptException(string message, bool retryable, Exception? inner = null) : Exception(message, inner)
    {
        public bool Retryable { get; } = retryable;
    }
}
