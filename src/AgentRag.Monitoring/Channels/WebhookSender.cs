using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentRag.Core.Monitoring;
using AgentRag.Core.Serialization;
using AgentRag.Monitoring.Alerts;
using Microsoft.Extensions.Options;

namespace AgentRag.Monitoring.Channels;

/// <summary>
/// Posts alerts to webhooks: Slack-compatible (<c>{"text": …}</c> plus the alert, signed) and PagerDuty Events v2
/// (<c>routing_key</c>, <c>event_action</c>, <c>dedup_key</c>, <c>payload</c>). Each post is retried with exponential
/// backoff on 5xx, 408, 429, connection failures and timeouts, up to <see cref="WebhookOptions.MaxAttempts"/>; other
/// statuses fail at once. Every attempt carries the alert's key (<c>X-AgentRag-Alert-Key</c>, PagerDuty's
/// <c>dedup_key</c>) so a receiver can drop the duplicates a retry may cause. Thread-safe.
/// </summary>
public sealed class WebhookSender(IOptions<MonitoringOptions> options, TimeProvider time) : IDisposable
{
    public const string SignatureHeader = "X-AgentRag-Signature";
    public const string TimestampHeader = "X-AgentRag-Timestamp";
    public const string AlertKeyHeader = "X-AgentRag-Alert-Key";

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>The signature of <paramref name="body"/> sent at <paramref name="timestamp"/> (Unix seconds): <c>v1=</c> and the hex HMAC-SHA256 of <c>v1:{timestamp}:{body}</c>.</summary>
    public static string Sign(string secret, long timestamp, string body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"v1:{timestamp}:{body}")));
        return "v1=" + Convert.ToHexStringLower(mac);
    }

    /// <summary>Posts to a Slack-compatible webhook, signed with its secret. Returns the attempts made; throws <see cref="AlertDeliveryException"/> when all failed.</summary>
    public Task<int> SendSlackAsync(SlackWebhook webhook, AlertNotice notice, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        ArgumentNullException.ThrowIfNull(notice);
        var alert = notice.Alert;
        var body = JsonSerializer.Serialize(new
        {
            text = $"{notice.Summary}\n{alert.Detail}\n(tenant {alert.TenantId}, {alert.Kind}, raised {alert.RaisedAt:yyyy-MM-dd HH:mm:ss} UTC)",
            alert = new { alert.Id, alert.TenantId, alert.Kind, alert.Key, alert.Severity, alert.Title, alert.Detail, alert.RaisedAt, notice.Resolved },
        }, AgentRagJson.Options);
        return PostAsync(new Uri(webhook.Url), body, alert.Key, webhook.Secret, cancellationToken);
    }

    /// <summary>Sends a PagerDuty Events v2 event (trigger, or resolve for a resolved notice). Returns the attempts made; throws <see cref="AlertDeliveryException"/> when all failed.</summary>
    public Task<int> SendPagerDutyAsync(PagerDutyWebhook webhook, AlertNotice notice, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        ArgumentNullException.ThrowIfNull(notice);
        var alert = notice.Alert;
        // PagerDuty's own field names (snake_case), written as they are.
        var body = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["routing_key"] = webhook.RoutingKey,
            ["event_action"] = notice.Resolved ? "resolve" : "trigger",
            ["dedup_key"] = $"{alert.TenantId}/{alert.Key}",
            ["payload"] = new Dictionary<string, object?>
            {
                ["summary"] = alert.Title.Length > 1024 ? alert.Title[..1024] : alert.Title,
                ["source"] = "agentrag",
                ["severity"] = alert.Severity switch { AlertSeverity.Critical => "critical", AlertSeverity.Warning => "warning", _ => "info" },
                ["timestamp"] = alert.RaisedAt.ToString("O", CultureInfo.InvariantCulture),
                ["component"] = alert.Kind,
                ["group"] = alert.TenantId,
                ["class"] = alert.Kind,
                ["custom_details"] = new Dictionary<string, string> { ["detail"] = alert.Detail, ["alert_id"] = alert.Id, ["key"] = alert.Key },
            },
        });
        return PostAsync(new Uri(webhook.Url), body, alert.Key, secret: null, cancellationToken);
    }

    private async Task<int> PostAsync(Uri url, string body, string key, string? secret, CancellationToken cancellationToken)
    {
        var settings = options.Value.Webhooks;
        string? lastError = null;
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add(AlertKeyHeader, key);
            if (secret is not null)
            {
                var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
                request.Headers.Add(TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
                request.Headers.Add(SignatureHeader, Sign(secret, timestamp, body));
            }

            bool retryable;
            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptTimeout.CancelAfter(settings.Timeout);
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attemptTimeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    return attempt;
                }

                var status = (int)response.StatusCode;
                retryable = status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
                lastError = $"{url.GetLeftPart(UriPartial.Path)} answered {status} {response.ReasonPhrase}";
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                retryable = true;
                lastError = $"{url.GetLeftPart(UriPartial.Path)} did not answer within {settings.Timeout.TotalSeconds:0.###} s";
            }
            catch (HttpRequestException ex)
            {
                retryable = true;
                lastError = $"{url.GetLeftPart(UriPartial.Path)}: {ex.Message}";
            }

            if (!retryable || attempt >= settings.MaxAttempts)
            {
                throw new AlertDeliveryException($"{lastError} (attempt {attempt} of {settings.MaxAttempts}).", attempt);
            }

            await Task.Delay(settings.FirstRetryDelay * Math.Pow(2, attempt - 1), time, cancellationToken);
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>A delivery failed on every attempt; <see cref="Attempts"/> says how many were made.</summary>
public sealed class AlertDeliveryException(string message, int attempts, Exception? innerException = null) : Exception(message, innerException)
{
    public int Attempts { get; } = attempts;
}
