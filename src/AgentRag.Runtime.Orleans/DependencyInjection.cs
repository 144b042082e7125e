using System.Net;
using AgentRag.Core.Actors;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Clustering.Redis;
using Orleans.Configuration;
using Orleans.Hosting;
using StackExchange.Redis;

namespace AgentRag.Runtime.Orleans;

/// <summary>Registers the Orleans cluster runtime.</summary>
public static class DependencyInjection
{
    /// <summary>
    /// Makes this process a silo of the Orleans cluster (a hosted service: it joins at host start and leaves at host stop)
    /// and registers <see cref="OrleansActorRuntime"/> as the process's <see cref="IActorRuntime"/> and
    /// <see cref="IActorHost"/>: every registered <see cref="ActorRegistration"/> runs as an <see cref="IActorGrain"/>, with
    /// state in the registered <see cref="IActorStateStore"/> (a storage backend's: PostgreSQL in a cluster). Membership,
    /// the grain directory and reminders live in Redis (<c>ConnectionStrings:Redis</c>); settings bind from
    /// <c>AgentRag:Orleans</c> (<see cref="OrleansRuntimeOptions"/>), and an invalid one (no Redis connection string)
    /// fails at host start naming it. Needs a host that runs hosted services. Idempotent.
    /// <paramref name="kubernetesHosting"/> (<see cref="OrleansRuntimeOptions.KubernetesHostingKey"/>) adds Orleans'
    /// Kubernetes hosting: the silo takes its name, advertised address and cluster ids from the pod (<c>POD_NAME</c>,
    /// <c>POD_NAMESPACE</c>, <c>POD_IP</c>, <c>ORLEANS_CLUSTER_ID</c>, <c>ORLEANS_SERVICE_ID</c>; missing ones fail at host
    /// start), listens on every address, and declares dead the silos whose pods are gone (it reads pods through the
    /// Kubernetes API: the pod's service account needs get, list and watch on pods). Clustering stays on Redis.
    /// </summary>
    public static IServiceCollection AddOrleansActorRuntime(this IServiceCollection services, bool kubernetesHosting = false)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(OrleansActorRuntime)))
        {
            return services;
        }

        AddRuntimeOptions(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<OrleansActorRuntime>();
        services.TryAddSingleton<IActorRuntime>(sp => sp.GetRequiredService<OrleansActorRuntime>());
        services.TryAddSingleton<IActorHost>(sp => sp.GetRequiredService<OrleansActorRuntime>());
        services.AddOrleans(silo =>
        {
            silo.UseRedisClustering(static _ => { });
            silo.UseRedisGrainDirectoryAsDefault(static (OptionsBuilder<RedisGrainDirectoryOptions> directory) =>
                directory.Configure<IOptions<OrleansRuntimeOptions>>(static (redis, ours) => redis.ConfigurationOptions = RedisOptions(ours.Value)));
            silo.UseRedisReminderService(static _ => { });
            silo.Services.AddOptions<RedisClusteringOptions>().Configure<IOptions<OrleansRuntimeOptions>>(static (redis, ours) => redis.ConfigurationOptions = RedisOptions(ours.Value));
            silo.Services.AddOptions<RedisReminderTableOptions>().Configure<IOptions<OrleansRuntimeOptions>>(static (redis, ours) => redis.ConfigurationOptions = RedisOptions(ours.Value));
            ConfigureCluster(silo.Services);
            silo.Services.AddOptions<EndpointOptions>().Configure<IOptions<OrleansRuntimeOptions>>(static (endpoint, ours) =>
            {
                endpoint.SiloPort = ours.Value.SiloPort;
                endpoint.GatewayPort = ours.Value.GatewayPort;
                if (ours.Value.AdvertisedAddress is { Length: > 0 } address)
                {
                    endpoint.AdvertisedIPAddress = IPAddress.Parse(address);
                    endpoint.SiloListeningEndpoint = new IPEndPoint(endpoint.AdvertisedIPAddress, ours.Value.SiloPort);
                    endpoint.GatewayListeningEndpoint = new IPEndPoint(endpoint.AdvertisedIPAddress, ours.Value.GatewayPort);
                }
            });
            silo.Services.AddOptions<ClusterMembershipOptions>().Configure<IOptions<OrleansRuntimeOptions>>(static (membership, ours) =>
            {
                var o = ours.Value;
                membership.ProbeTimeout = o.ProbeTimeout;
                membership.NumMissedProbesLimit = o.NumMissedProbesLimit;
                membership.NumVotesForDeathDeclaration = o.NumVotesForDeathDeclaration;
                membership.TableRefreshTimeout = o.TableRefreshTimeout;
                membership.DeathVoteExpirationTimeout = o.DeathVoteExpirationTimeout;
                membership.IAmAliveTablePublishTimeout = o.IAmAliveTablePublishTimeout;
            });
            silo.Services.AddOptions<ReminderOptions>().Configure(static reminders =>
            {
                // The actors' periods (the workflow's resume reminder, a one-shot reminder's repeat) are seconds, not minutes.
                reminders.MinimumReminderPeriod = TimeSpan.FromSeconds(1);
            });
            if (kubernetesHosting)
            {
                // Last, so its endpoint and cluster settings (from the pod) apply over the ones above, with their ports.
                silo.UseKubernetesHosting();
            }
        });

        // After the silo: hosted services stop in reverse order, so actors' work stops before the silo hands them over.
        services.AddHostedService<ActorWorkStopper>();
        return services;
    }

    /// <summary>
    /// Makes this process an Orleans client of the cluster (for a CLI command beside running replicas): it finds the
    /// replicas' gateways in the membership table in Redis and sends every actor message to the cluster, running no actor
    /// itself (<see cref="IActorRuntime.OwnsRecovery"/> is false). <see cref="IActorRuntime.StartAsync"/> connects.
    /// Same settings as <see cref="AddOrleansActorRuntime"/>. Idempotent.
    /// </summary>
    public static IServiceCollection AddOrleansActorClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(OrleansActorRuntime)))
        {
            return services;
        }

        AddRuntimeOptions(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<OrleansActorRuntime>(sp, true));
        services.TryAddSingleton<IActorRuntime>(sp => sp.GetRequiredService<OrleansActorRuntime>());
        services.TryAddSingleton<IActorHost>(sp => sp.GetRequiredService<OrleansActorRuntime>());
        services.AddOrleansClient(client =>
        {
            client.UseRedisClustering(static _ => { });
            client.Services.AddOptions<RedisClusteringOptions>().Configure<IOptions<OrleansRuntimeOptions>>(static (redis, ours) => redis.ConfigurationOptions = RedisOptions(ours.Value));
            ConfigureCluster(client.Services);
        });
        return services;
    }

    private static void ConfigureCluster(IServiceCollection services) =>
        services.AddOptions<ClusterOptions>().Configure<IOptions<OrleansRuntimeOptions>>(static (cluster, ours) =>
        {
            cluster.ClusterId = ours.Value.ClusterId;
            cluster.ServiceId = ours.Value.ServiceId;
        });

    private static void AddRuntimeOptions(IServiceCollection services) =>
        services.AddOptions<OrleansRuntimeOptions>()
            .Configure<IServiceProvider>(static (options, provider) =>
            {
                if (provider.GetService<IConfiguration>() is { } configuration)
                {
                    configuration.GetSection(OrleansRuntimeOptions.SectionName).Bind(options);
                    if (configuration.GetConnectionString(OrleansRuntimeOptions.ConnectionStringName) is { Length: > 0 } connectionString)
                    {
                        options.RedisConnectionString = connectionString;
                    }
                }
            })
            .ValidateDataAnnotations()
            .Validate(static o => o.AdvertisedAddress.Length == 0 || IPAddress.TryParse(o.AdvertisedAddress, out _),
                $"{OrleansRuntimeOptions.SectionName}:{nameof(OrleansRuntimeOptions.AdvertisedAddress)} must be an IP address.")
            .Validate(static o => o.SiloPort != o.GatewayPort,
                $"{OrleansRuntimeOptions.SectionName}:{nameof(OrleansRuntimeOptions.SiloPort)} and {nameof(OrleansRuntimeOptions.GatewayPort)} must differ.")
            .ValidateOnStart();

    private static ConfigurationOptions RedisOptions(OrleansRuntimeOptions options)
    {
        var redis = ConfigurationOptions.Parse(options.RedisConnectionString);
        redis.AbortOnConnectFail = false;
        return redis;
    }

    /// <summary>Cancels actors' work when the host stops, before the silo hands their activations over.</summary>
    private sealed class ActorWorkStopper(OrleansActorRuntime runtime) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => runtime.StopAsync(cancellationToken);
    }
}
