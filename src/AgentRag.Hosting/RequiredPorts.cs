using AgentRag.Core.Actors;
using AgentRag.Core.Approvals;
using AgentRag.Core.Events;
using AgentRag.Core.Monitoring;
using AgentRag.Core.Sessions;
using AgentRag.Core.Storage;
using AgentRag.Core.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Hosting;

/// <summary>
/// The ports every composition needs a backend for, each with the axis whose backend must register it. Checked once
/// the composition is complete, so a backend that forgets one fails at startup with a message naming the port and the
/// call that adds it, not with a null reference (or a resolution error naming a constructor) at the first request.
/// </summary>
public static class RequiredPorts
{
    /// <summary>The required ports: the service type, what it is, and whether the storage backend (else the runtime) supplies it.</summary>
    public static IReadOnlyList<(Type Port, string Description, bool FromStorage)> All { get; } =
    [
        (typeof(IDocumentStore), "the document store", true),
        (typeof(IEventLog), "the event log", true),
        (typeof(IActorStateStore), "the actor state store", true),
        (typeof(ISessionStore), "the session store", true),
        (typeof(IUsageStore), "the usage store", true),
        (typeof(IApprovalStore), "the approval store", true),
        (typeof(IMonitoringStore), "the monitoring store", true),
        (typeof(IAlertStore), "the alert store", true),
        (typeof(IActorRuntime), "the actor runtime", false),
        (typeof(IActorHost), "the actor host", false),
    ];

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the first required port <paramref name="services"/> lacks.</summary>
    internal static void ThrowIfMissing(IServiceCollection services, AgentRagBuilder backends)
    {
        foreach (var (port, description, fromStorage) in All)
        {
            if (services.Any(d => d.ServiceType == port))
            {
                continue;
            }

            var (axis, key, name, call) = fromStorage
                ? ("storage backend", AgentRagBuilder.StorageKey, backends.Storage, "UseSqlite(dataFolder) or UsePostgres(dataFolder)")
                : ("actor runtime", AgentRagBuilder.RuntimeKey, backends.Runtime, "UseEmbeddedRuntime()");
            throw new InvalidOperationException(
                $"No {port.Name} ({description}) is registered: the {axis} '{name}' ({key}) must add it. {call} adds one.");
        }
    }
}
