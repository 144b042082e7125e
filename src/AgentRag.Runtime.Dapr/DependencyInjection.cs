using System.Text.Json;
using AgentRag.Core.Actors;
using AgentRag.Core.Events;
using AgentRag.Runtime.Dapr.Events;
using global::Dapr.Actors.Client;
using global::Dapr.Actors.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentRag.Runtime.Dapr;

/// <summary>Registers the Dapr runtime.</summary>
public static class DependencyInjection
{
    /// <summary>
    /// Hosts every registered <see cref="ActorRegistration"/> as a Dapr actor (Dapr.Actors.AspNetCore; type names from
    /// <see cref="DaprActorNames"/>) and registers <see cref="DaprActorRuntime"/> as the process's
    /// <see cref="IActorRuntime"/> and <see cref="IActorHost"/>: actors' state and reminders live in the sidecar, messages
    /// go through it. Settings bind from <c>AgentRag:Dapr</c> (<see cref="DaprRuntimeOptions"/>) and an invalid one fails at
    /// start naming it. The host must map <see cref="MapDaprRuntime"/> so the sidecar can call the actors. Idempotent.
    /// </summary>
    public static IServiceCollection AddDaprActorRuntime(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(DaprActorRuntime)))
        {
            return services;
        }

        AddCommon(services, isClient: false);
        services.AddActors(static _ => { });
        services.AddOptions<ActorRuntimeOptions>().Configure<DaprActorRuntime, IOptions<DaprRuntimeOptions>>(static (actors, runtime, ours) =>
        {
            var o = ours.Value;
            foreach (var daprType in runtime.DaprTypes.Values)
            {
                actors.Actors.RegisterActor<DaprHostedActor>(daprType);
            }

            actors.ActorIdleTimeout = o.ActorIdleTimeout;
            actors.DrainOngoingCallTimeout = o.DrainOngoingCallTimeout;
            actors.DrainRebalancedActors = true;
            actors.JsonSerializerOptions = new JsonSerializerOptions(JsonSerializerDefaults.Web);
            if (o.HttpEndpoint.Length > 0)
            {
                actors.HttpEndpoint = o.HttpEndpoint;
            }

            if (o.ApiToken.Length > 0)
            {
                actors.DaprApiToken = o.ApiToken;
            }
        });

        // Integration events: the storage backend's event log, decorated to publish what it records through the sidecar.
        services.TryAddSingleton(sp => DaprSecrets.Client(sp.GetRequiredService<IOptions<DaprRuntimeOptions>>().Value));
        services.AddSingleton<DaprEventPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<DaprEventPublisher>());
        Decorate<IEventLog>(services, static (sp, inner) => new IntegrationEventLog(inner, sp.GetRequiredService<DaprEventPublisher>()));

        // Hosted services stop in reverse order: actors' work stops before the web server does.
        services.AddHostedService<ActorWorkStopper>();
        return services;
    }

    /// <summary>
    /// Sends actor messages through the sidecar to actors hosted by the server replicas, hosting none here (a CLI command
    /// beside them; <see cref="IActorRuntime.OwnsRecovery"/> is false). Same settings as <see cref="AddDaprActorRuntime"/>. Idempotent.
    /// </summary>
    public static IServiceCollection AddDaprActorClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(DaprActorRuntime)))
        {
            return services;
        }

        AddCommon(services, isClient: true);
        return services;
    }

    /// <summary>
    /// Maps what the sidecar calls on the app when this process hosts Dapr actors: <c>GET /dapr/config</c>, actor method
    /// invocation and reminder callbacks (<c>PUT /actors/{type}/{id}/method/…</c>), deactivation
    /// (<c>DELETE /actors/{type}/{id}</c>), and pub/sub: <c>GET /dapr/subscribe</c> and the delivery of commands
    /// (<c>POST /dapr/commands</c>, <see cref="IDaprCommandHandler"/>). Anonymous: the sidecar is the only caller (keep the app port inside the pod
    /// network). Does nothing in a process without <see cref="AddDaprActorRuntime"/>.
    /// </summary>
    public static IEndpointRouteBuilder MapDaprRuntime(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<DaprActorRuntime>() is { IsClient: false })
        {
            endpoints.MapActorsHandlers().AllowAnonymous();
            DaprCommands.Map(endpoints);
        }

        return endpoints;
    }

    private static void AddCommon(IServiceCollection services, bool isClient)
    {
        services.AddOptions<DaprRuntimeOptions>()
            .BindConfiguration(DaprRuntimeOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(static o => IsEndpoint(o.HttpEndpoint), $"{DaprRuntimeOptions.SectionName}:{nameof(DaprRuntimeOptions.HttpEndpoint)} must be an absolute http or https URL (or empty for the SDK's default).")
            .Validate(static o => IsEndpoint(o.GrpcEndpoint), $"{DaprRuntimeOptions.SectionName}:{nameof(DaprRuntimeOptions.GrpcEndpoint)} must be an absolute http or https URL (or empty for the SDK's default).")
            .Validate(static o => o.SecretStore.Length > 0 || o.Secrets.Count == 0, $"{DaprRuntimeOptions.SectionName}:{nameof(DaprRuntimeOptions.Secrets)} names secrets but {DaprRuntimeOptions.SectionName}:{nameof(DaprRuntimeOptions.SecretStore)} is empty.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IActorProxyFactory>(sp => new ActorProxyFactory(
            DaprActorRuntime.ProxyOptions(sp.GetRequiredService<IOptions<DaprRuntimeOptions>>().Value), (HttpMessageHandler)new SocketsHttpHandler()));
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<DaprActorRuntime>(sp, isClient));
        services.TryAddSingleton<IActorRuntime>(sp => sp.GetRequiredService<DaprActorRuntime>());
        services.TryAddSingleton<IActorHost>(sp => sp.GetRequiredService<DaprActorRuntime>());
    }

    /// <summary>
    /// Replaces the last registration of <typeparamref name="T"/> with <paramref name="decorate"/> over it; nothing when
    /// there is none (a host without a storage backend records no events to publish). The composition root registers the
    /// storage backend before the runtime.
    /// </summary>
    private static void Decorate<T>(IServiceCollection services, Func<IServiceProvider, T, T> decorate)
        where T : class
    {
        var inner = services.LastOrDefault(d => d.ServiceType == typeof(T) && !d.IsKeyedService);
        if (inner is null)
        {
            return;
        }

        services.Remove(inner);
        services.AddSingleton(sp => decorate(sp, (T)(inner.ImplementationInstance
            ?? inner.ImplementationFactory?.Invoke(sp)
            ?? ActivatorUtilities.CreateInstance(sp, inner.ImplementationType!))));
    }

    private static bool IsEndpoint(string value) =>
        value.Length == 0 || (Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps));

    /// <summary>Cancels actors' work when the host stops.</summary>
    private sealed class ActorWorkStopper(DaprActorRuntime runtime) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => runtime.StopAsync(cancellationToken);
    }
}
