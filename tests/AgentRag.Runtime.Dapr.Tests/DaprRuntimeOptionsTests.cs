using AgentRag.Core.Actors;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRag.Runtime.Dapr.Tests;

/// <summary><c>AgentRag:Dapr:*</c> is validated when the runtime starts, each bad value named; the names Dapr sees are stable.</summary>
public sealed class DaprRuntimeOptionsTests
{
    [Theory]
    [InlineData("AgentRag:Dapr:HttpEndpoint", "localhost:3500", "AgentRag:Dapr:HttpEndpoint must be an absolute http or https URL (or empty for the SDK's default).")]
    [InlineData("AgentRag:Dapr:GrpcEndpoint", "ftp://127.0.0.1:50001", "AgentRag:Dapr:GrpcEndpoint must be an absolute http or https URL (or empty for the SDK's default).")]
    [InlineData("AgentRag:Dapr:Topic", "events/all", "AgentRag:Dapr:Topic must be 1-128 letters, digits, '.', '_' or '-'.")]
    [InlineData("AgentRag:Dapr:PubSub", "", "AgentRag:Dapr:PubSub must name the Dapr pub/sub component (e.g. agentrag-pubsub).")]
    [InlineData("AgentRag:Dapr:ActorIdleTimeout", "00:00:01", "AgentRag:Dapr:ActorIdleTimeout must be between 10 s and 1 day.")]
    [InlineData("AgentRag:Dapr:Secrets:model", "OPENAI_API_KEY=openai", "AgentRag:Dapr:Secrets names secrets but AgentRag:Dapr:SecretStore is empty.")]
    public void AddDaprActorRuntime_BadSetting_FailsNamingIt(string key, string value, string message)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build());
        services.AddDaprActorClient();
        using var provider = services.BuildServiceProvider();

        var failure = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DaprRuntimeOptions>>().Value);

        failure.Message.ShouldContain(message);
    }

    [Theory]
    [InlineData("workflow", "WorkflowActor")]
    [InlineData("tenant-index", "TenantIndexActor")]
    public void TypeOf_ProductActorType_TheDaprTypeTheResiliencySpecTargets(string type, string daprType) =>
        DaprActorNames.TypeOf(type).ShouldBe(daprType);

    [Fact]
    public void IdOf_TenantAndId_RoundTripsAndRefusesWhatAUrlPathWouldChange()
    {
        var id = new ActorId("workflow", "acme.eu", "wf_0123456789abcdef");

        DaprActorNames.IdOf(id).ShouldBe("acme.eu~wf_0123456789abcdef");
        DaprActorNames.Parse("workflow", "acme.eu~wf_0123456789abcdef").ShouldBe(id);
        Should.Throw<ArgumentException>(() => DaprActorNames.IdOf(new ActorId("workflow", "acme", "a/b")));
        Should.Throw<ArgumentException>(() => DaprActorNames.Parse("workflow", "no-separator"));
    }
}
