using AgentRag.Core.Retention;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Hosting.Retention;

/// <summary>Wiring of retention.</summary>
public static class RetentionServiceCollectionExtensions
{
    /// <summary>The setting audit retention had before <see cref="RetentionOptions"/>, still read when set (it maps to <see cref="RetentionOptions.AuditDays"/>).</summary>
    public const string LegacyAuditRetentionKey = "AgentRag:Audit:RetentionDays";

    /// <summary>
    /// Registers <see cref="RetentionOptions"/> (section <c>AgentRag:Retention</c>, validated at start) and the
    /// <see cref="RetentionCleanup"/> job, as a singleton and as a hosted service (it runs where a host runs hosted
    /// services: <c>serve</c>).
    /// </summary>
    public static IServiceCollection AddRetention(this IServiceCollection services)
    {
        services.AddOptions<RetentionOptions>()
            .BindConfiguration(RetentionOptions.SectionName)
            .PostConfigure<IConfiguration>((options, configuration) =>
            {
                if (configuration[RetentionOptions.SectionName + ":" + nameof(RetentionOptions.AuditDays)] is null
                    && configuration.GetValue<int?>(LegacyAuditRetentionKey) is { } days)
                {
                    options.AuditDays = days;
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<RetentionCleanup>();
        services.AddHostedService(provider => provider.GetRequiredService<RetentionCleanup>());
        return services;
    }
}
