using AgentRag.Core;
using AgentRag.Core.Actors;
using AgentRag.Core.Approvals;
using AgentRag.Core.Branding;
using AgentRag.Core.Audit;
using AgentRag.Core.Coordination;
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
using AgentRag.Storage.Postgres.Actors;
using AgentRag.Storage.Postgres.Approvals;
using AgentRag.Storage.Postgres.Audit;
using AgentRag.Storage.Postgres.Branding;
using AgentRag.Storage.Postgres.Coordination;
using AgentRag.Storage.Postgres.Data;
using AgentRag.Storage.Postgres.Documents;
using AgentRag.Storage.Postgres.Embeddings;
using AgentRag.Storage.Postgres.Events;
using AgentRag.Storage.Postgres.Feedback;
using AgentRag.Storage.Postgres.Monitoring;
using AgentRag.Storage.Postgres.Ingestion;
using AgentRag.Storage.Postgres.Retention;
using AgentRag.Storage.Postgres.Security;
using AgentRag.Storage.Postgres.Sessions;
using AgentRag.Storage.Postgres.Sharing;
using AgentRag.Storage.Postgres.Usage;
using AgentRag.Storage.Sqlite.Files;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Storage.Postgres;

/// <summary>Registers the PostgreSQL store: every port that the shared database backs, in one call.</summary>
public static class DependencyInjection
{
    /// <summary>The tag of the store's health check, for the readiness probe's filter.</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Registers <see cref="PostgresDatabase"/> (singleton; migrated once per cluster on first use or at host start) and
    /// the PostgreSQL adapter of every storage port: <see cref="IDocumentStore"/>, <see cref="IEventLog"/> (live events by
    /// LISTEN/NOTIFY), <see cref="IActorStateStore"/> (with ETags), <see cref="IApprovalStore"/>, <see cref="IApiKeyStore"/>,
    /// <see cref="IAuditLog"/>, <see cref="ITenantQuotaStore"/>, <see cref="ITenantDataStore"/>, <see cref="ISessionStore"/>,
    /// <see cref="IUsageStore"/>, <see cref="IAnswerQualityStore"/>, <see cref="IMonitoringStore"/>, <see cref="IAlertStore"/>, <see cref="IShareLinkStore"/>, <see cref="ITenantBrandingStore"/>, <see cref="IEmbeddingCache"/>,
    /// <see cref="IIngestionQueue"/> (SKIP LOCKED with leases), <see cref="IDistributedLock"/> (advisory locks) and
    /// <see cref="IRateLimitCounter"/> (the cluster-wide rate limits); the
    /// <see cref="IBlobStore"/> is the file store over <see cref="PostgresStorageOptions.BlobDirectory"/> (else the
    /// registered <see cref="DataFolder"/>), and <see cref="PostgresReplicaIndexer"/>, which indexes here what other replicas
    /// ingest. Also its <see cref="ITransientStoreErrorRule"/> and the <c>postgres</c>
    /// health check tagged <see cref="ReadyTag"/>. A port registered before this call keeps its registration. Options bind
    /// from <c>AgentRag:Postgres</c> and <c>ConnectionStrings:Postgres</c> when present, then <paramref name="configure"/>
    /// adjusts them; invalid options (a missing connection string) fail at host start, naming the setting.
    /// </summary>
    public static IServiceCollection AddPostgresStorage(this IServiceCollection services, Action<PostgresStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<PostgresStorageOptions>()
            .Configure<IServiceProvider>(static (options, provider) =>
            {
                if (provider.GetService<IConfiguration>() is { } configuration)
                {
                    configuration.GetSection(PostgresStorageOptions.SectionName).Bind(options);
                    if (configuration.GetConnectionString(PostgresStorageOptions.ConnectionStringName) is { Length: > 0 } connectionString)
                    {
                        options.ConnectionString = connectionString;
                    }
                }
            })
            .Configure(configure ?? (static _ => { }))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => new PostgresDatabase(
            provider.GetRequiredService<IOptions<PostgresStorageOptions>>().Value,
            provider.GetService<ILogger<PostgresDatabase>>()));
        services.TryAddSingleton<IDocumentStore, PostgresDocumentStore>();
        services.TryAddSingleton<PostgresEventNotifications>();
        services.TryAddSingleton<IEventLog, PostgresEventLog>();
        services.TryAddSingleton<IActorStateStore, PostgresActorStateStore>();
        services.TryAddSingleton<IApprovalStore, PostgresApprovalStore>();
        services.TryAddSingleton<IApiKeyStore, PostgresApiKeyStore>();
        services.TryAddSingleton<ITenantQuotaStore, PostgresTenantQuotaStore>();
        services.TryAddSingleton<IAuditLog, PostgresAuditLog>();
        services.TryAddSingleton<ITenantDataStore, PostgresTenantDataStore>();
        services.TryAddSingleton<ISessionStore>(provider => new PostgresSessionStore(
            provider.GetRequiredService<PostgresDatabase>(),
            provider.GetRequiredService<IOptions<SessionOptions>>().Value,
            provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IUsageStore, PostgresUsageStore>();
        services.TryAddSingleton<IRetentionStore, PostgresRetentionStore>();
        services.TryAddSingleton<IAnswerQualityStore, PostgresAnswerQualityStore>();
        services.TryAddSingleton<IMonitoringStore, PostgresMonitoringStore>();
        services.TryAddSingleton<IAlertStore, PostgresAlertStore>();
        services.TryAddSingleton<IShareLinkStore, PostgresShareLinkStore>();
        services.TryAddSingleton<ITenantBrandingStore, PostgresTenantBrandingStore>();
        services.TryAddSingleton<IEmbeddingCache, PostgresEmbeddingCache>();
        services.TryAddSingleton<IDistributedLock, PostgresDistributedLock>();
        services.TryAddSingleton<IRateLimitCounter, PostgresRateLimitCounter>();
        services.TryAddSingleton<IIngestionQueue, PostgresIngestionQueue>();
        services.TryAddSingleton<IBlobStore>(provider =>
        {
            var directory = provider.GetRequiredService<IOptions<PostgresStorageOptions>>().Value.BlobDirectory;
            return new FileSystemBlobStore(directory is { Length: > 0 }
                ? new DataFolder(directory)
                : provider.GetService<DataFolder>()
                  ?? throw new InvalidOperationException($"The PostgreSQL store keeps files in {PostgresStorageOptions.SectionName}:BlobDirectory or the data folder: set one."));
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransientStoreErrorRule, PostgresTransientErrorRule>());
        services.AddHostedService<PostgresStorageStartup>();
        services.TryAddSingleton<PostgresReplicaIndexer>();
        services.AddHostedService(provider => provider.GetRequiredService<PostgresReplicaIndexer>());
        services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", tags: [ReadyTag]);
        return services;
    }

    /// <summary>Migrates the database when the host starts, so an unreachable server or a too-new schema fails at boot.</summary>
    private sealed class PostgresStorageStartup(PostgresDatabase database, IServiceProvider services) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await database.EnsureMigratedAsync(cancellationToken);
            // Listening starts now, so the first subscription of a request finds the feed up.
            _ = services.GetRequiredService<PostgresEventNotifications>();
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
