using System.Threading.Channels;
using AgentRag.Core.Monitoring;
using AgentRag.Monitoring.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentRag.Monitoring.Alerts;

/// <summary>
/// Delivers raised alerts and cost reports in the background, so the monitoring agent never waits on a channel: each
/// alert goes to the tenant's Slack webhooks, PagerDuty endpoints and email recipients, and every channel's outcome
/// (delivered, attempts, error) is appended to the stored alert. An alert id is delivered once (a second enqueue of the
/// same alert is dropped); receivers dedupe retries by the alert key. Thread-safe.
/// </summary>
public sealed partial class AlertDispatcher(
    IAlertStore store, WebhookSender webhooks, EmailSender email, TimeProvider time, ILogger<AlertDispatcher> logger) : BackgroundService
{
    private const int Capacity = 10_000;

    private readonly Channel<Func<CancellationToken, Task>> _queue = Channel.CreateBounded<Func<CancellationToken, Task>>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

    private readonly HashSet<string> _enqueued = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private int _pending;
    private TaskCompletionSource _idle = NewIdle(completed: true);

    /// <summary>Queues the alert for delivery on every channel of <paramref name="settings"/>. Never waits.</summary>
    public void Enqueue(AlertRecord alert, AlertSettings settings) => Enqueue(new AlertNotice(alert), settings);

    /// <summary>Queues a notice (a trigger or a resolve) for delivery on every channel of <paramref name="settings"/>. Never waits.</summary>
    public void Enqueue(AlertNotice notice, AlertSettings settings)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentNullException.ThrowIfNull(settings);
        var id = notice.Alert.Id + (notice.Resolved ? ":resolve" : "");
        lock (_gate)
        {
            if (!_enqueued.Add(id))
            {
                return;
            }

            if (_enqueued.Count > Capacity * 4)
            {
                _enqueued.Clear();
                _enqueued.Add(id);
            }
        }

        Post(ct => DeliverAsync(notice, settings, ct));
    }

    /// <summary>Queues the report's email to <paramref name="recipients"/>. Never waits.</summary>
    public void EnqueueReport(CostReport report, IReadOnlyList<string> recipients)
    {
        ArgumentNullException.ThrowIfNull(report);
        Post(async ct =>
        {
            try
            {
                await email.SendReportAsync(report, recipients, ct);
            }
            catch (AlertDeliveryException ex)
            {
                LogReportFailed(ex, report.TenantId, report.Day);
            }
        });
    }

    /// <summary>Completes when everything queued so far has been delivered or has failed.</summary>
    public Task WhenIdleAsync()
    {
        lock (_gate)
        {
            return _idle.Task;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var work in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await work(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogDispatchFailed(ex);
                }
                finally
                {
                    lock (_gate)
                    {
                        if (--_pending == 0)
                        {
                            _idle.TrySetResult();
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Post(Func<CancellationToken, Task> work)
    {
        lock (_gate)
        {
            if (_pending++ == 0)
            {
                _idle = NewIdle(completed: false);
            }
        }

        if (!_queue.Writer.TryWrite(work))
        {
            LogQueueFull(Capacity);
            lock (_gate)
            {
                if (--_pending == 0)
                {
                    _idle.TrySetResult();
                }
            }
        }
    }

    private async Task DeliverAsync(AlertNotice notice, AlertSettings settings, CancellationToken cancellationToken)
    {
        var alert = notice.Alert;
        var targets = new List<(string Channel, Func<Task<int>> Send)>();
        targets.AddRange(settings.Slack.Select(s => ($"slack:{new Uri(s.Url).Authority}", (Func<Task<int>>)(() => webhooks.SendSlackAsync(s, notice, cancellationToken)))));
        targets.AddRange(settings.PagerDuty.Select(p => ($"pagerduty:{new Uri(p.Url).Authority}", (Func<Task<int>>)(() => webhooks.SendPagerDutyAsync(p, notice, cancellationToken)))));
        if (settings.EmailRecipients.Count > 0)
        {
            targets.Add(("email", async () =>
            {
                await email.SendAlertAsync(notice, settings.EmailRecipients, cancellationToken);
                return 1;
            }));
        }

        foreach (var (channel, send) in targets)
        {
            AlertDelivery delivery;
            try
            {
                var attempts = await send();
                delivery = new AlertDelivery(channel, true, attempts, null, time.GetUtcNow());
            }
            catch (AlertDeliveryException ex)
            {
                LogDeliveryFailed(alert.Id, channel, ex.Message);
                delivery = new AlertDelivery(channel, false, ex.Attempts, ex.Message, time.GetUtcNow());
            }

            if (!notice.Resolved)
            {
                await store.AddDeliveryAsync(alert.TenantId, alert.Id, delivery, cancellationToken);
            }
        }
    }

    private static TaskCompletionSource NewIdle(bool completed)
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed)
        {
            source.SetResult();
        }

        return source;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {AlertId} was not delivered to {Channel}: {Error}")]
    private partial void LogDeliveryFailed(string alertId, string channel, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cost report of tenant {Tenant} for {Day} was not emailed.")]
    private partial void LogReportFailed(Exception exception, string tenant, DateOnly day);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivering an alert failed unexpectedly.")]
    private partial void LogDispatchFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The alert delivery queue is full ({Capacity}); an alert was not delivered (it stays listed at /v1/alerts).")]
    private partial void LogQueueFull(int capacity);
}
