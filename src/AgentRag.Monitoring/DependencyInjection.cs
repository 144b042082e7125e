using AgentRag.Monitoring.Alerts;
using AgentRag.Monitoring.Channels;
using AgentRag.Monitoring.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentRag.Monitoring;

/// <summary>Registers the monitoring agent.</summary>
public static class DependencyInjection
{
    /// <summary>
    /// Registers the monitoring agent (<see cref="MonitoringAgent"/>, a hosted service that runs the jobs under the
    /// monitoring lease), its jobs, the <see cref="AlertService"/> and the background <see cref="AlertDispatcher"/> with its
    /// channels. Options bind from <c>AgentRag:Monitoring</c> and fail at start naming a bad setting. Needs the storage
    /// backend's <c>IMonitoringStore</c>, <c>IAlertStore</c>, <c>IUsageStore</c> and <c>IDistributedLock</c>, and the model layer.
    /// </summary>
    public static IServiceCollection AddMonitoring(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<MonitoringOptions>()
            .BindConfiguration(MonitoringOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.Anomalies.MinimumBaselineDays <= o.Anomalies.BaselineDays,
                $"{MonitoringOptions.SectionName}:Anomalies:MinimumBaselineDays must not exceed {MonitoringOptions.SectionName}:Anomalies:BaselineDays.")
            .Validate(o => o.DefaultAlerts.Validate().Count == 0,
                $"{MonitoringOptions.SectionName}:DefaultAlerts is invalid (check each rule's threshold and cooldown, and the channels' URLs and addresses).")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WebhookSender>();
        services.TryAddSingleton<EmailSender>();
        services.TryAddSingleton<AlertDispatcher>();
        services.AddHostedService(provider => provider.GetRequiredService<AlertDispatcher>());
        services.TryAddSingleton<AlertService>();
        services.TryAddSingleton<CostReporter>();
        services.TryAddSingleton<CostSummaries>();
        services.TryAddSingleton<MonitoringJobs>();
        services.TryAddSingleton<MonitoringAgent>();
        services.AddHostedService(provider => provider.GetRequiredService<MonitoringAgent>());
        return services;
    }
}
