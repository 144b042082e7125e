using AgentRag.Core;
using AgentRag.Core.Actors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace AgentRag.Runtime.Embedded;

/// <summary>Registers the embedded actor runtime.</summary>
public static class DependencyInjection
{
    /// <summary>
    /// Registers <see cref="EmbeddedActorHost"/> as the process's <see cref="IActorRuntime"/> and <see cref="IActorHost"/>,
    /// and as a hosted service that re-arms stored reminders at host start (a process without hosted services calls
    /// <see cref="IActorRuntime.StartAsync"/> itself). It activates every registered <see cref="ActorRegistration"/> and
    /// keeps state and reminders in the registered <see cref="IActorStateStore"/> (a storage backend's). When a
    /// <see cref="DataFolder"/> is registered, only the process holding <c>&lt;data&gt;/actors.lock</c> resumes stored
    /// work. Idempotent.
    /// </summary>
    public static IServiceCollection AddEmbeddedActorRuntime(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(EmbeddedActorHost)))
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new EmbeddedActorHost(
            sp.GetServices<ActorRegistration>(),
            sp.GetRequiredService<IActorStateStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<EmbeddedActorHost>>(),
            new EmbeddedActorHostOptions
            {
                RecoveryLockPath = sp.GetService<DataFolder>() is { } folder ? Path.Combine(folder.Root, "actors.lock") : null,
            }));
        services.TryAddSingleton<IActorRuntime>(sp => sp.GetRequiredService<EmbeddedActorHost>());
        services.TryAddSingleton<IActorHost>(sp => sp.GetRequiredService<EmbeddedActorHost>());
        services.AddHostedService(sp => sp.GetRequiredService<EmbeddedActorHost>());
        return services;
    }
}
