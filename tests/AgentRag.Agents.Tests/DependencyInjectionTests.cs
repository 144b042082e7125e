using AgentRag.Agents.Workflows;
using AgentRag.Core.Actors;
using AgentRag.Models;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Agents.Tests;

/// <summary><c>AddAgents</c>: it adds the agents and the workflow actor type, and never adds what another layer owns.</summary>
public sealed class DependencyInjectionTests
{
    [Fact]
    public void AddAgents_ModelLayerNotRegistered_FailsNamingAddModels()
    {
        var services = new ServiceCollection();

        var failure = Should.Throw<InvalidOperationException>(() => services.AddAgents());

        failure.Message.ShouldBe("AddAgents needs the model layer, and it is not registered: call services.AddModels() before services.AddAgents().");
        services.ShouldBeEmpty();
    }

    [Fact]
    public void AddAgents_AfterAddModels_RegistersTheWorkflowActorTypeButNoRuntime()
    {
        var services = new ServiceCollection().AddModels().AddAgents();

        services.ShouldContain(d => d.ServiceType == typeof(WorkflowService));
        services.ShouldContain(d => d.ServiceType == typeof(ActorRegistration));
        services.ShouldNotContain(d => d.ServiceType == typeof(IActorRuntime));
        services.ShouldNotContain(d => d.ServiceType == typeof(IActorHost));
    }
}
