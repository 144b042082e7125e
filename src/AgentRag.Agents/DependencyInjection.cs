using AgentRag.Agents.Approvals;
using AgentRag.Agents.Citations;
using AgentRag.Agents.Planning;
using AgentRag.Agents.Plans;
using AgentRag.Agents.Reasoning;
using AgentRag.Agents.Retrieval;
using AgentRag.Agents.Sessions;
using AgentRag.Agents.Synthesis;
using AgentRag.Agents.Tools;
using AgentRag.Agents.Workflows;
using AgentRag.Core;
using AgentRag.Core.Actors;
using AgentRag.Core.Sessions;
using AgentRag.Models;
using AgentRag.Models.Configuration;
using AgentRag.Models.Prompts;
using AgentRag.Models.Routing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRag.Agents;

/// <summary>Registers query orchestration: agents, planner, the workflow actor type and the workflow service.</summary>
public static class DependencyInjection
{
    /// <summary>
    /// Adds the built-in agents (retrieval, follow-up retrieval, synthesis, citation, reasoning), the planner, the
    /// workflow actor type (<see cref="ActorRegistration"/>, run by whichever <see cref="IActorRuntime"/> the host
    /// registers), and <see cref="WorkflowService"/>. Needs a storage backend, an actor runtime and the retrieval engine;
    /// throws <see cref="InvalidOperationException"/> when the model layer (<see cref="Models.DependencyInjection.AddModels"/>)
    /// is not registered yet. Agents get the chat client and embedding generator only when the
    /// <see cref="ModelCatalog"/> says they are configured; otherwise answers are extractive. Prompts come from the model
    /// layer's <see cref="PromptCatalog"/>. Passages come from <see cref="SearchPassageRetriever"/> unless an
    /// <see cref="IPassageRetriever"/> is registered before this call. <see cref="AgentsOptions"/> bind to
    /// <c>AgentRag:Agents</c> and are validated at start. Conversations: <see cref="ConversationService"/> over the storage
    /// backend's <see cref="ISessionStore"/>, with <see cref="SessionOptions"/> bound to <c>AgentRag:Sessions</c>.
    /// </summary>
    public static IServiceCollection AddAgents(this IServiceCollection services, Action<AgentsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(WorkflowService)))
        {
            return services; // Added already: registering the actor type twice would fail at host start.
        }

        if (!services.Any(d => d.ServiceType == typeof(ModelCatalog)))
        {
            throw new InvalidOperationException(
                "AddAgents needs the model layer, and it is not registered: call services.AddModels() before services.AddAgents().");
        }

        var options = services.AddOptions<AgentsOptions>().BindConfiguration(AgentsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<AgentsOptions>>().Value);

        services.TryAddSingleton<IPassageRetriever, SearchPassageRetriever>();

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgent, RetrievalAgent>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgent, FollowUpRetrievalAgent>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgent, SynthesisAgent>(sp => new SynthesisAgent(
            sp.GetRequiredService<PromptCatalog>(), sp.GetRequiredService<AgentsOptions>(), sp.GetRequiredService<ILogger<SynthesisAgent>>(), ChatModel(sp), Embeddings(sp), sp.GetService<TimeProvider>())));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgent, CitationAgent>(sp => new CitationAgent(sp.GetRequiredService<AgentsOptions>(), Embeddings(sp))));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgent, ReasoningAgent>(sp => new ReasoningAgent(
            sp.GetRequiredService<AgentsOptions>(), sp.GetRequiredService<TimeProvider>(), ChatModel(sp), sp.GetService<IStepToolSource>())));
        services.TryAddSingleton(sp => new AgentCatalog(sp.GetServices<IAgent>()));
        services.TryAddSingleton<PlanValidator>();
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<AgentsOptions>();
            return new PlanEstimator(sp.GetRequiredService<AgentCatalog>(), new ModelPricing(o.InputUsdPerMillionTokens, o.OutputUsdPerMillionTokens));
        });
        services.TryAddSingleton<RuleBasedPlanner>();
        services.TryAddSingleton<IQueryPlanner>(sp => new QueryPlanner(
            sp.GetRequiredService<RuleBasedPlanner>(),
            sp.GetRequiredService<PlanValidator>(),
            sp.GetRequiredService<PlanEstimator>(),
            sp.GetRequiredService<AgentCatalog>(),
            sp.GetRequiredService<PromptCatalog>(),
            sp.GetRequiredService<AgentsOptions>(),
            sp.GetRequiredService<ILogger<QueryPlanner>>(),
            ChatModel(sp),
            sp.GetRequiredService<ModelRouter>(),
            sp.GetService<IStepToolSource>()));

        services.TryAddSingleton<StepResilience>();
        services.TryAddSingleton<AnswerFeedbackService>();
        services.TryAddSingleton(sp => new WorkflowActorServices(
            sp.GetRequiredService<IQueryPlanner>(),
            sp.GetRequiredService<AgentCatalog>(),
            sp.GetRequiredService<PlanValidator>(),
            sp.GetRequiredService<Core.Events.IEventLog>(),
            sp.GetRequiredService<ModelCatalog>().IsChatAvailable,
            sp.GetRequiredService<StepResilience>(),
            sp.GetRequiredService<ILogger<WorkflowActor>>(),
            sp.GetRequiredService<AnswerFeedbackService>()));
        services.AddSingleton(sp =>
        {
            var actorServices = sp.GetRequiredService<WorkflowActorServices>();
            var interval = sp.GetRequiredService<AgentsOptions>().ResumeInterval;
            var approvals = sp.GetRequiredService<WorkflowApprovalServices>();
            return new ActorRegistration(WorkflowActor.ActorType, () => new WorkflowActor(actorServices) { ResumeInterval = interval, Approvals = approvals });
        });
        services.TryAddSingleton<WorkflowService>();

        services.AddOptions<SessionOptions>().BindConfiguration(SessionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<SessionOptions>>().Value);
        services.TryAddSingleton(sp => new FollowUpResolver(
            sp.GetRequiredService<PromptCatalog>(), sp.GetRequiredService<ModelCatalog>(), sp.GetRequiredService<ILogger<FollowUpResolver>>(), ChatModel(sp)));
        services.TryAddSingleton<ConversationService>();
        services.AddApprovals();
        return services;
    }

    /// <summary>The chat client when a chat model is configured, else null (model-free: extractive answers, rule-based plans).</summary>
    private static IChatClient? ChatModel(IServiceProvider services) =>
        services.GetRequiredService<ModelCatalog>().IsChatAvailable ? services.GetRequiredService<IChatClient>() : null;

    /// <summary>The embedding generator when an embedding model is configured, else null.</summary>
    private static IEmbeddingGenerator<string, Embedding<float>>? Embeddings(IServiceProvider services) =>
        services.GetRequiredService<ModelCatalog>().IsEmbeddingAvailable ? services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>() : null;
}
