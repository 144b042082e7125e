using System.Globalization;
using AgentRag.Core;
using AgentRag.Core.Monitoring;
using AgentRag.Core.Usage;
using AgentRag.Models.Configuration;
using AgentRag.Models.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Monitoring.Alerts;

/// <summary>
/// Raises alerts by the tenant's rules (enabled, threshold, cooldown) and hands them to the <see cref="AlertDispatcher"/>,
/// which delivers them in the background: raising never waits for a channel. Also checks the rules that watch state
/// rather than anomalies: budgets at 90% and 100%, failed-ingestion bursts, open model circuits and approvals about to
/// expire. Thread-safe.
/// </summary>
public sealed partial class AlertService(
    IAlertStore store, IMonitoringStore monitoring, IUsageStore usage, AlertDispatcher dispatcher, ModelResiliencePipelines resilience,
    IOptions<ModelsOptions> models, IOptions<MonitoringOptions> options, TimeProvider time, ILogger<AlertService> logger)
{
    /// <summary>The tenant's settings: stored, else the configured defaults.</summary>
    public async Task<AlertSettings> GetSettingsAsync(string tenantId, CancellationToken cancellationToken = default) =>
        await store.GetSettingsAsync(tenantId, cancellationToken) is { } json ? AlertSettings.FromJson(json) : AlertSettings.FromJson(options.Value.DefaultAlerts.ToJson());

    /// <summary>
    /// Raises an alert of <paramref name="kind"/> about <paramref name="key"/> unless the tenant's rule is disabled or the
    /// same kind and key was raised within the rule's cooldown; the alert is stored, then queued for delivery. Returns it,
    /// or null when it was not raised.
    /// </summary>
    public async Task<AlertRecord?> RaiseAsync(string tenantId, string kind, string key, string title, string detail, CancellationToken cancellationToken = default)
    {
        var settings = await GetSettingsAsync(tenantId, cancellationToken);
        var rule = settings.Rule(kind);
        if (!rule.Enabled)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var alert = new AlertRecord(Ids.New("alr"), tenantId, kind, key, rule.Severity, title, detail, now, []);
        // A zero cooldown still keeps one alert per key and instant (a job re-run at the same time).
        if (!await store.TryRaiseAsync(alert, now - TimeSpan.FromMinutes(rule.CooldownMinutes), cancellationToken))
        {
            return null;
        }

        LogRaised(tenantId, kind, key, title);
        dispatcher.Enqueue(alert, settings);
        return alert;
    }

    /// <summary>Raises the <c>anomaly</c> alert of a recorded anomaly (keyed by its metric and scope, so one incident pages once per cooldown).</summary>
    public Task<AlertRecord?> RaiseAnomalyAsync(Anomaly anomaly, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(anomaly);
        var inv = CultureInfo.InvariantCulture;
        var subject = anomaly.Scope.Length == 0 ? anomaly.Metric : $"{anomaly.Metric} ({anomaly.Scope})";
        return RaiseAsync(anomaly.TenantId, AlertKinds.Anomaly, $"anomaly:{anomaly.Metric}:{anomaly.Scope}",
            $"Anomaly: {subject} at {anomaly.Value.ToString("0.####", inv)} in the hour from {anomaly.HourStart:yyyy-MM-dd HH:mm} UTC",
            string.Create(inv, $"Baseline median {anomaly.BaselineMedian:0.####} (MAD {anomaly.BaselineMad:0.####}), threshold {anomaly.Threshold:0.####}, volume {anomaly.Volume}. Anomaly {anomaly.Id}."),
            cancellationToken);
    }

    /// <summary>Queues the cost report's email to the tenant's report recipients (none: nothing is sent).</summary>
    public async Task SendReportAsync(CostReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        var settings = await GetSettingsAsync(report.TenantId, cancellationToken);
        if (settings.ReportRecipients.Count > 0)
        {
            dispatcher.EnqueueReport(report, settings.ReportRecipients);
        }
    }

    /// <summary>Checks the state-watching rules for every tenant active in the last 31 days (circuits: for each of them).</summary>
    public async Task CheckRulesAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var tenants = await monitoring.ListActiveTenantsAsync(now.AddDays(-31), now.AddMinutes(1), cancellationToken);
        var openCircuits = resilience.GetOpenCircuits();
        var failures = await monitoring.CountIngestionFailuresAsync(now.AddHours(-1), now.AddMinutes(1), cancellationToken);
        foreach (var tenant in tenants.Union(failures.Keys).Distinct(StringComparer.Ordinal))
        {
            var settings = await GetSettingsAsync(tenant, cancellationToken);
            await CheckBudgetsAsync(tenant, settings, now, cancellationToken);
            if (failures.TryGetValue(tenant, out var failed) && failed >= (settings.Rule(AlertKinds.IngestionFailures).Threshold ?? double.MaxValue))
            {
                await RaiseAsync(tenant, AlertKinds.IngestionFailures, "ingestion.failures",
                    $"{failed} documents failed ingestion in the last hour", "See GET /v1/documents?status=failed for each document's error.", cancellationToken);
            }

            foreach (var profile in openCircuits)
            {
                await RaiseAsync(tenant, AlertKinds.CircuitOpen, $"circuit:{profile}",
                    $"The circuit of model profile '{profile}' is open", "Calls to this profile fail fast; answers fall back to the next profile or to extractive answers.", cancellationToken);
            }
        }

        var longest = TimeSpan.FromMinutes(7 * 24 * 60);
        foreach (var approval in await monitoring.ListExpiringApprovalsAsync(now, now + longest, cancellationToken))
        {
            var settings = await GetSettingsAsync(approval.TenantId, cancellationToken);
            if (approval.ExpiresAt - now <= TimeSpan.FromMinutes(settings.Rule(AlertKinds.ApprovalExpiring).Threshold ?? 0))
            {
                await RaiseAsync(approval.TenantId, AlertKinds.ApprovalExpiring, $"approval:{approval.ApprovalId}",
                    $"Approval {approval.ApprovalId} expires at {approval.ExpiresAt:yyyy-MM-dd HH:mm} UTC",
                    $"Workflow {approval.WorkflowId} waits for a decision: POST /v1/approvals/{approval.ApprovalId}/decision.", cancellationToken);
            }
        }
    }

    private async Task CheckBudgetsAsync(string tenant, AlertSettings settings, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var budgets = models.Value.Budgets;
        var day = new DateTimeOffset(now.Year, now.Month, now.Day, 0, 0, 0, TimeSpan.Zero);
        var month = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        foreach (var (limit, from, to, window, setting) in new[]
        {
            (budgets.MaxUsdPerTenantPerDay, day, day.AddDays(1), day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "MaxUsdPerTenantPerDay"),
            (budgets.MaxUsdPerTenantPerMonth, month, month.AddMonths(1), month.ToString("yyyy-MM", CultureInfo.InvariantCulture), "MaxUsdPerTenantPerMonth"),
        })
        {
            if (limit is not { } usd || usd <= 0)
            {
                continue;
            }

            var spent = NanoUsd.ToUsd(await usage.GetTenantCostAsync(tenant, from, to, cancellationToken));
            // The 100% rule first: a budget already used up pages as exhausted, not also as nearly so.
            foreach (var kind in new[] { AlertKinds.Budget100, AlertKinds.Budget90 })
            {
                var share = (decimal)(settings.Rule(kind).Threshold ?? 1);
                if (spent >= usd * share)
                {
                    await RaiseAsync(tenant, kind, $"{kind}:{setting}:{window}",
                        string.Create(CultureInfo.InvariantCulture, $"{spent / usd:P0} of the budget {setting} ({usd:0.##} USD) used for {window}"),
                        string.Create(CultureInfo.InvariantCulture, $"Spent {spent:0.######} USD of {usd:0.##} USD (AgentRag:Models:Budgets:{setting})."), cancellationToken);
                    break;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert raised for tenant {Tenant}: {Kind} ({Key}): {Title}")]
    private partial void LogRaised(string tenant, string kind, string key, string title);
}
