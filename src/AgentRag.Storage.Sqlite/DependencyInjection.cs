using AgentRag.Core.Actors;
using AgentRag.Core.Approvals;
using AgentRag.Core.Branding;
using AgentRag.Core.Audit;
using AgentRag.Core.Events;
using AgentRag.Core.Feedback;
using AgentRag.Core.Monitoring;
using AgentRag.Core.Retention;
using AgentRag.Core.Search;
using AgentRag.Core.Security;
using AgentRag.Core.Sessions;
using AgentRag.Core.Sharing;
using AgentRag.Core.Storage;
using AgentRag.Core.Usage;
using AgentRag.Storage.Sqlite.Actors;
using AgentRag.Storage.Sqlite.Approvals;
using AgentRag.Storage.Sqlite.Audit;
using AgentRag.Storage.Sqlite.Branding;
using AgentRag.Storage.Sqlite.Data;
using AgentRag.Storage.Sqlite.Documents;
using AgentRag.Storage.Sqlite.Embeddings;
using AgentRag.Storage.Sqlite.Events;
using AgentRag.Storage.Sqlite.Feedback;
using AgentRag.Storage.Sqlite.Monitoring;
using AgentRag.Storage.Sqlite.Retention;
using AgentRag.Storage.Sqlite.Security;
using AgentRag.Storage.Sqlite.Sessions;
using AgentRag.Storage.Sqlite.Sharing;
using AgentRag.Storage.Sqlite.Usage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Storage.Sqlite;

/// <summary>Registers the embedded SQLite store: every port that SQLite backs, in one call.</summary>
public static class DependencyInjection
{
    /// <summary>The tag of the store's health check, for the readiness probe's filter.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Registers the store for <paramref name="dataDirectory"/> (the database is <c>&lt;data&gt;/agentrag.db</c>).</summary>
    public static IServiceCollection AddSqliteStorage(this IServiceCollection services, string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        return services.AddSqliteStorage(options => options.DataDirectory = dataDirectory);
    }

    /// <summary>
    /// Registers <see cref="SqliteDatabase"/> (singleton, opened and migrated on first use or at host start) and the
    /// SQLite adapter of every storage port: <see cref="IDocumentStore"/>, <see cref="IEventLog"/>,
    /// <see cref="IActorStateStore"/>, <see cref="IApprovalStore"/>, <see cref="IApiKeyStore"/>, <see cref="IAuditLog"/>,
    /// <see cref="ITenantQuotaStore"/>, <see cref="ITenantDataStore"/>, <see cref="ISessionStore"/> (settings from
    /// <see cref="SessionOptions"/>), <see cref="IUsageStore"/>, <see cref="IAnswerQualityStore"/>, <see cref="IMonitoringStore"/>, <see cref="IAlertStore"/>, <see cref="IShareLinkStore"/>, <see cref="ITenantBrandingStore"/> and <see cref="IEmbeddingCache"/>; its
    /// <see cref="ITransientStoreErrorRule"/>; and the <c>sqlite</c> health check tagged <see cref="ReadyTag"/>. A port
    /// registered before this call keeps its registration. Options bind from configuration section
    /// <c>AgentRag:Sqlite</c> when present and are then adjusted by <paramref name="configure"/>; invalid options fail
    /// at host start, naming the setting.
    /// </summary>
    public static IServiceCollection AddSqliteStorage(this IServiceCollection services, Action<SqliteStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<SqliteStorageOptions>()
            .Configure<IServiceProvider>(static (options, provider) =>
                provider.GetService<IConfiguration>()?.GetSection(SqliteStorageOptions.SectionName).Bind(options))
            .Configure(configure)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => SqliteDatabase.Open(
            provider.GetRequiredService<IOptions<SqliteStorageOptions>>().Value,
            provider.GetService<ILogger<SqliteDatabase>>(),
            provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IDocumentStore, SqliteDocumentStore>();
        services.TryAddSingleton<EventBroadcaster>();
        services.TryAddSingleton<IEventLog, SqliteEventLog>();
        services.TryAddSingleton<IActorStateStore, SqliteActorStateStore>();
        services.TryAddSingleton<IApprovalStore, SqliteApprovalStore>();
        services.TryAddSingleton<IApiKeyStore, SqliteApiKeyStore>();
        services.TryAddSingleton<ITenantQuotaStore, SqliteTenantQuotaStore>();
        services.TryAddSingleton<IAuditLog, SqliteAuditLog>();
        services.TryAddSingleton<ITenantDataStore, SqliteTenantDataStore>();
        services.TryAddSingleton<ISessionStore>(provider => new SqliteSessionStore(
            provider.GetRequiredService<SqliteDatabase>(),
            provider.GetRequiredService<IOptions<SessionOptions>>().Value,
            provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IUsageStore, SqliteUsageStore>();
        services.TryAddSingleton<IRetentionStore, SqliteRetentionStore>();
        services.TryAddSingleton<IAnswerQualityStore, SqliteAnswerQualityStore>();
        services.TryAddSingleton<IMonitoringStore, SqliteMonitoringStore>();
        services.TryAddSingleton<IAlertStore, SqliteAlertStore>();
        services.TryAddSingleton<IShareLinkStore, SqliteShareLinkStore>();
        services.TryAddSingleton<ITenantBrandingStore, SqliteTenantBrandingStore>();
        services.TryAddSingleton<IEmbeddingCache, SqliteEmbeddingCache>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransientStoreErrorRule, SqliteTransientErrorRule>());
        services.AddHostedService<SqliteStorageStartup>();
        services.AddHealthChecks().AddCheck<SqliteHealthCheck>("sqlite", tags: [ReadyTag]);
        return services;
    }

    /// <summary>Opens the database when the host starts, so a bad data folder or a too-new schema fails at boot.</summary>
    private sealed class SqliteStorageStartup(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = services.GetRequiredService<SqliteDatabase>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
