using AgentRag.Agents.Tools;
using AgentRag.Core.Approvals;
using AgentRag.Core.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Agents.Approvals;

/// <summary>Registers human-in-the-loop approvals.</summary>
public static class ApprovalsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the approval policy, request builder, notifier, webhook dispatcher, <see cref="WorkflowApprovalServices"/>
    /// and <see cref="ApprovalService"/>. <see cref="ApprovalOptions"/> bind to <c>AgentRag:Approvals</c> and are
    /// validated at start. Needs the SQLite store (<see cref="IApprovalStore"/>, <see cref="IEventLog"/>) and the actor
    /// host; called by <c>AddAgents</c>. Idempotent.
    /// </summary>
    public static IServiceCollection AddApprovals(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(ApprovalService)))
        {
            return services;
        }

        services.AddOptions<ApprovalOptions>().BindConfiguration(ApprovalOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApprovalOptions>, ApprovalOptionsValidator>());
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<ApprovalOptions>>().Value);
        services.TryAddSingleton(sp => new ApprovalPolicy(
            sp.GetRequiredService<AgentCatalog>(), sp.GetRequiredService<ApprovalOptions>(), sp.GetService<IStepToolSource>()));
        services.TryAddSingleton(sp => new ApprovalRequestBuilder(
            sp.GetRequiredService<ApprovalPolicy>(), sp.GetRequiredService<ApprovalOptions>(), sp.GetService<IStepToolSource>()));
        services.TryAddSingleton(sp => new ApprovalWebhookDispatcher(
            sp.GetRequiredService<ApprovalOptions>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ApprovalWebhookDispatcher>>()));
        services.TryAddSingleton<ApprovalNotifier>();
        services.TryAddSingleton<WorkflowApprovalServices>();
        services.TryAddSingleton<ApprovalService>();
        return services;
    }
}
