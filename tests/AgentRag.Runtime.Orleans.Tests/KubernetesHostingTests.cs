using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace AgentRag.Runtime.Orleans.Tests;

/// <summary>
/// <see cref="OrleansRuntimeOptions.KubernetesHosting"/>: the silo takes its identity from the pod's environment, as
/// deploy/k8s/overlays/cluster sets it (the downward API's pod name, namespace and IP, and the Orleans ids).
/// </summary>
[Collection(nameof(KubernetesHostingTests))] // sets process environment variables
public sealed class KubernetesHostingTests
{
    private static readonly Dictionary<string, string> Pod = new()
    {
        ["POD_NAME"] = "agentrag-7d9f-abcde",
        ["POD_NAMESPACE"] = "agentrag",
        ["POD_IP"] = "10.1.2.3",
        ["ORLEANS_CLUSTER_ID"] = "agentrag-prod",
        ["ORLEANS_SERVICE_ID"] = "agentrag",
    };

    [Fact]
    public void AddOrleansActorRuntime_KubernetesHosting_TakesTheSiloIdentityFromThePod()
    {
        WithPodEnvironment(() =>
        {
            using var provider = Services(kubernetesHosting: true);

            var endpoint = provider.GetRequiredService<IOptions<EndpointOptions>>().Value;
            endpoint.AdvertisedIPAddress.ShouldBe(IPAddress.Parse("10.1.2.3"));
            endpoint.SiloPort.ShouldBe(11112);
            endpoint.GatewayPort.ShouldBe(30001);
            endpoint.SiloListeningEndpoint.ShouldBe(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 11112));
            endpoint.GatewayListeningEndpoint.ShouldBe(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 30001));
            var cluster = provider.GetRequiredService<IOptions<ClusterOptions>>().Value;
            cluster.ClusterId.ShouldBe("agentrag-prod");
            cluster.ServiceId.ShouldBe("agentrag");
            provider.GetRequiredService<IOptions<SiloOptions>>().Value.SiloName.ShouldBe("agentrag-7d9f-abcde");
        });
    }

    [Fact]
    public void AddOrleansActorRuntime_WithoutKubernetesHosting_IgnoresThePodEnvironment()
    {
        WithPodEnvironment(() =>
        {
            using var provider = Services(kubernetesHosting: false);

            provider.GetRequiredService<IOptions<EndpointOptions>>().Value.AdvertisedIPAddress.ShouldNotBe(IPAddress.Parse("10.1.2.3"));
            provider.GetRequiredService<IOptions<ClusterOptions>>().Value.ClusterId.ShouldBe("from-settings");
        });
    }

    private static ServiceProvider Services(bool kubernetesHosting)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = "127.0.0.1:1",
            ["AgentRag:Orleans:ClusterId"] = "from-settings",
            // The overlay sets it from the pod IP too: Orleans' own default address (the first interface's) is applied
            // before the Kubernetes hosting's, which then keeps it.
            ["AgentRag:Orleans:AdvertisedAddress"] = kubernetesHosting ? "10.1.2.3" : "",
            ["AgentRag:Orleans:SiloPort"] = "11112",
            ["AgentRag:Orleans:GatewayPort"] = "30001",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddOrleansActorRuntime(kubernetesHosting);
        return services.BuildServiceProvider();
    }

    private static void WithPodEnvironment(Action test)
    {
        foreach (var (name, value) in Pod)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        try
        {
            test();
        }
        finally
        {
            foreach (var name in Pod.Keys)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
    }
}
