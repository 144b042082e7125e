using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentRag.Agents.Tools;

/// <summary>Registers tool steps.</summary>
public static class ToolAgentServiceCollectionExtensions
{
    /// <summary>
    /// Adds <typeparamref name="TSource"/> as the <see cref="IStepToolSource"/> and the <see cref="ToolAgent"/> (<c>tool</c>
    /// steps) to the agent catalog. Call before the catalog is first resolved. Idempotent.
    /// </summary>
    public static IServiceCollection AddStepTools<TSource>(this IServiceCollection services)
        where TSource : class, IStepToolSource
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IStepToolSource, TSource>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgent, ToolAgent>());
        return services;
    }
}
