using AgentRag.Agents.Actors;
using AgentRag.Agents.Approvals;
using AgentRag.Agents.Citations;
using AgentRag.Agents.Planning;
using AgentRag.Agents.Plans;
using AgentRag.Agents.Prompts;
using AgentRag.Agents.Reasoning;
using AgentRag.Agents.Retrieval;
using AgentRag.Agents.Synthesis;
using AgentRag.Agents.Workflows;
using AgentRag.Core;
using AgentRag.Core.Actors;
using AgentRag.Storage.Sqlite.Actors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Agents;

/// <summary>Registers query orchestration: agents, planner, the embedded actor host and the workflow service.</summary>
public static class DependencyInjection
{
    /// <summary>
    /// Adds the built-in agents (retrieval, follow-up retrieval, synthesis, citation, reasoning), the planner, the
    /// embedded actor host (also a hosted service that re-arms stored reminders at start; a host without hosted
    /// services must call <see cref="EmbeddedActorHost.StartAsync"/>), and <see cref="WorkflowService"/>.
    /// Needs the SQLite store and the retrieval engine. A chat client (<see cref="IChatClient"/>), an embedding
    /// generator, an <see cref="IAgentPromptSource"/>, an <see cref="IModelCallScope"/> or an
    /// <see cref="IPassageRetriever"/> registered before or after this call are used when present; without a chat
    /// client, answers are extractive. <see cref="AgentsOptions"/> bind to <c>AgentRag:Agents</c> and are validated at start.
    /// </summary>
    public static IServiceCollection AddAgents(this IServiceCollection services, Action<AgentsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(WorkflowService)))
        {
            return services; // Added already: registering the actor type twice would fail at host start.
        }

        var options = services.AddOptions<AgentsOptions>().BindConfiguration(AgentsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<AgentsOptions>>().Value);
        services.TryAddSingleton<IAgentPromptSource, EmbeddedAgentPromptSource>();
        services.TryAddSingleton<IModelCallScope>(NoModelCallScope.Instance);
        services.TryAddSingleton<IPassageRetriever, KeywordPassageRetriever>();

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgent, RetrievalAgent>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgent, FollowUpRetrievalAgent>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgent, SynthesisAgent>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgent, CitationAgent>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgent, ReasoningAgent>());
        services.TryAddSingleton(sp => new AgentCatalog(sp.GetServices<IAgent>()));
        services.TryAddSingleton<PlanValidator>();
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<AgentsOptions>();
            return new PlanEstimator(sp.GetRequiredService<AgentCatalog>(), new ModelPricing(o.InputUsdPerMillionTokens, o.OutputUsdPerMillionTokens));
        });
        services.TryAddSingleton<RuleBasedPlanner>();
        services.TryAddSingleton<IQueryPlanner, QueryPlanner>();

        services.TryAddSingleton<IActorStateStore, SqliteActorStateStore>();
        services.TryAddSingleton<StepResilience>();
        services.TryAddSingleton(sp => new WorkflowActorServices(
            sp.GetRequiredService<IQueryPlanner>(),
            sp.GetRequiredService<AgentCatalog>(),
            sp.GetRequiredService<PlanValidator>(),
            sp.GetRequiredService<Core.Events.IEventLog>(),
            sp.GetService<IChatClient>() is not null,
            sp.GetRequiredService<StepResilience>(),
            sp.GetRequiredService<ILogger<WorkflowActor>>()));
        services.AddSingleton(sp =>
        {
            var actorServices = sp.GetRequiredService<WorkflowActorServices>();
            var interval = sp.GetRequiredService<AgentsOptions>().ResumeInterval;
            var approvals = sp.GetRequiredService<WorkflowApprovalServices>();
            return new ActorRegistration(WorkflowActor.ActorType, () => new WorkflowActor(actorServices) { ResumeInterval = interval, Approvals = approvals });
        });
        services.TryAddSingleton(sp => new EmbeddedActorHost(
            sp.GetServices<ActorRegistration>(),
            sp.GetRequiredService<IActorStateStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<EmbeddedActorHost>>(),
            new EmbeddedActorHostOptions
            {
                RecoveryLockPath = sp.GetService<DataFolder>() is { } folder ? Path.Combine(folder.Root, "actors.lock") : null,
            }));
        services.TryAddSingleton<IActorHost>(sp => sp.GetRequiredService<EmbeddedActorHost>());
        services.AddHostedService(sp => sp.GetRequiredService<EmbeddedActorHost>());
        services.TryAddSingleton<WorkflowService>();
        services.AddApprovals();
        return services;
    }
}
