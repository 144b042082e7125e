using System.Globalization;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text;

namespace AgentRag.WebConsole.Api;

// The admin dashboard's calls (issue 24 part A; the server lets only the admin role make them).
public sealed partial class ConsoleApiClient
{
    /// <summary>Follows the tenant's live figures (<c>GET /v1/admin/metrics/stream</c>): one <c>snapshot</c> event every few seconds, until the caller cancels.</summary>
    public IAsyncEnumerable<SseItem<string>> FollowAdminMetricsAsync(CancellationToken cancellationToken = default) =>
        StreamAsync(new HttpRequestMessage(HttpMethod.Get, "v1/admin/metrics/stream"), cancellationToken);

    /// <summary>The spend of <paramref name="month"/> (yyyy-MM; null: the current month).</summary>
    public Task<CostSummary> GetCostsAsync(string? month = null, CancellationToken cancellationToken = default) =>
        GetJsonAsync<CostSummary>(month is null ? "v1/admin/costs" : $"v1/admin/costs?month={Uri.EscapeDataString(month)}", cancellationToken);

    /// <summary>The stored latency percentiles of the last day.</summary>
    public Task<LatencyHistory> GetLatencyHistoryAsync(CancellationToken cancellationToken = default) =>
        GetJsonAsync<LatencyHistory>("v1/admin/latency", cancellationToken);

    /// <summary>The tenant's storage and its growth over the last <paramref name="days"/> days.</summary>
    public Task<StorageReport> GetStorageAsync(int days = 30, CancellationToken cancellationToken = default) =>
        GetJsonAsync<StorageReport>($"v1/admin/storage?days={days.ToString(CultureInfo.InvariantCulture)}", cancellationToken);

    /// <summary>One page of the tenant's failures matching <paramref name="filter"/>.</summary>
    public Task<ErrorList> ListErrorsAsync(ErrorFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = new StringBuilder().Append(CultureInfo.InvariantCulture, $"v1/errors?offset={filter.Offset}&limit={filter.Limit}");
        foreach (var (name, value) in new[] { ("agent", filter.Agent), ("since", filter.Since), ("until", filter.Until), ("severity", filter.Severity), ("kind", filter.Kind) })
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                query.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value.Trim()));
            }
        }

        return GetJsonAsync<ErrorList>(query.ToString(), cancellationToken);
    }

    /// <summary>The tenant's latest raised alerts, newest first.</summary>
    public Task<AlertList> ListAlertsAsync(int limit = 100, CancellationToken cancellationToken = default) =>
        GetJsonAsync<AlertList>($"v1/alerts?limit={limit.ToString(CultureInfo.InvariantCulture)}", cancellationToken);

    /// <summary>The tenant's alert settings (secrets masked).</summary>
    public Task<AlertSettingsBody> GetAlertSettingsAsync(CancellationToken cancellationToken = default) =>
        GetJsonAsync<AlertSettingsBody>("v1/alerts/settings", cancellationToken);

    /// <summary>Replaces the tenant's alert settings; throws <see cref="ApiException"/> naming each invalid field when the server refuses them.</summary>
    public async Task<AlertSettingsBody> PutAlertSettingsAsync(AlertSettingsBody settings, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(
            new HttpRequestMessage(HttpMethod.Put, "v1/alerts/settings") { Content = JsonContent.Create(settings, options: WireJson.Options) }, cancellationToken);
        return await response.Content.ReadFromJsonAsync<AlertSettingsBody>(WireJson.Options, cancellationToken)
            ?? throw new ApiException(response.StatusCode, "The server sent empty alert settings.");
    }

    /// <summary>The tenant's rate limits and quotas with their use.</summary>
    public Task<TenantLimitsInfo> GetLimitsAsync(CancellationToken cancellationToken = default) =>
        GetJsonAsync<TenantLimitsInfo>("v1/tenant/limits", cancellationToken);
}
