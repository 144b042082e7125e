using System.Text.Json.Nodes;
using AgentRag.TestKit;
using Dapr.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AgentRag.Runtime.Dapr.Tests.Sidecar;

/// <summary>
/// Pub/sub through the sidecar double as daprd does it: the app's <c>GET /dapr/subscribe</c> read at start, a publish
/// wrapped in a CloudEvent and delivered to the subscribed route, the app's answer (SUCCESS, DROP, RETRY) taken as the
/// outcome; and the app's secrets read through the gRPC secrets API.
/// </summary>
public sealed class DaprPubSubAndSecretsTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _time = new();
    private DaprSidecarDouble _sidecar = null!;

    public async Task InitializeAsync() => _sidecar = await DaprSidecarDouble.StartAsync(_time);

    public async Task DisposeAsync() => await _sidecar.DisposeAsync();

    /// <summary>
    /// Pub/sub API (docs.dapr.io/reference/api/pubsub_api): the app declares its subscriptions in <c>GET /dapr/subscribe</c>
    /// (<c>[{pubsubname, topic, route}]</c>); a published message reaches the route as a CloudEvents 1.0 envelope
    /// (<c>Content-Type: application/cloudevents+json</c>; <c>specversion</c>, <c>id</c>, <c>source</c>, <c>type</c>
    /// <c>com.dapr.event.sent</c>, <c>datacontenttype</c>, <c>data</c>, <c>topic</c>, <c>pubsubname</c>); the app answers
    /// 200 <c>{"status": "SUCCESS"}</c>, <c>DROP</c> or <c>RETRY</c>. The app handles a redelivered event (same <c>id</c>) once.
    /// </summary>
    [Fact]
    public async Task Publish_CommandOnTheTopic_DeliveredAsACloudEventHandledOnceAndAnUnknownOneDropped()
    {
        await using var app = await ProbeApp.StartAsync(_sidecar, _time);
        _sidecar.Grpc.Subscriptions.ShouldBe([("agentrag-pubsub", "agentrag-commands", "/dapr/commands")]);
        using var publisher = new DaprClientBuilder().UseGrpcEndpoint(_sidecar.GrpcEndpoint.ToString()).Build();

        await publisher.PublishEventAsync("agentrag-pubsub", "agentrag-commands", new { type = "probe.note", text = "hello" });
        var delivered = (await _sidecar.Grpc.WaitForDeliveriesAsync(1))[0];

        delivered.Status.ShouldBe("SUCCESS");
        delivered.Route.ShouldBe("/dapr/commands");
        var envelope = delivered.CloudEvent;
        envelope["specversion"]!.GetValue<string>().ShouldBe("1.0");
        envelope["type"]!.GetValue<string>().ShouldBe("com.dapr.event.sent");
        envelope["datacontenttype"]!.GetValue<string>().ShouldBe("application/json");
        envelope["topic"]!.GetValue<string>().ShouldBe("agentrag-commands");
        envelope["pubsubname"]!.GetValue<string>().ShouldBe("agentrag-pubsub");
        envelope["id"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        envelope["data"]!["text"]!.GetValue<string>().ShouldBe("hello");
        app.Log.Snapshot.ShouldBe(["command hello"]);
        _sidecar.Grpc.StoredState("agentrag-state", $"command:{envelope["id"]}").ShouldNotBeNull();

        // The broker delivers the same event again (at least once): answered SUCCESS, handled once.
        (await _sidecar.Grpc.DeliverAsync("/dapr/commands", envelope)).Status.ShouldBe("SUCCESS");
        app.Log.Snapshot.ShouldBe(["command hello"]);

        var unknown = envelope.DeepClone().AsObject();
        unknown["id"] = "other";
        unknown["data"] = new JsonObject { ["type"] = "nobody.handles" };
        (await _sidecar.Grpc.DeliverAsync("/dapr/commands", unknown)).Status.ShouldBe("DROP");

        var failing = envelope.DeepClone().AsObject();
        failing["id"] = "failing";
        failing["data"] = new JsonObject { ["type"] = "probe.note", ["fail"] = true };
        (await _sidecar.Grpc.DeliverAsync("/dapr/commands", failing)).Status.ShouldBe("RETRY");
        _sidecar.Grpc.StoredState("agentrag-state", "command:failing").ShouldBeNull(); // so the redelivery is handled
    }

    /// <summary>
    /// Secrets API (docs.dapr.io/reference/api/secrets_api, "Get secret"): a secret is a map of keys to values (one key
    /// for most stores, several for a Kubernetes Secret). The entries of <c>AgentRag:Dapr:Secrets</c> become
    /// configuration (a model API key, the JWT signing key); a secret the store does not have stops the start, naming it.
    /// </summary>
    [Fact]
    public void AddDaprSecrets_MappedSecrets_BecomeConfigurationAndAMissingOneFailsNamingIt()
    {
        _sidecar.Grpc.Secrets[("agentrag-secrets", "openai")] = new() { ["openai"] = "sk-from-dapr" };
        _sidecar.Grpc.Secrets[("agentrag-secrets", "auth")] = new() { ["jwt-signing-key"] = "jwt-from-dapr", ["other"] = "x" };
        var settings = new Dictionary<string, string?>
        {
            ["AgentRag:Dapr:GrpcEndpoint"] = _sidecar.GrpcEndpoint.ToString().TrimEnd('/'),
            ["AgentRag:Dapr:SecretStore"] = "agentrag-secrets",
            ["AgentRag:Dapr:Secrets:model"] = "OPENAI_API_KEY=openai",
            ["AgentRag:Dapr:Secrets:jwt"] = "AgentRag:Auth:Jwt:SigningKey=auth/jwt-signing-key",
            ["OPENAI_API_KEY"] = "from-the-environment",
        };
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(settings);

        configuration.AddDaprSecrets();

        configuration["OPENAI_API_KEY"].ShouldBe("sk-from-dapr");
        configuration["AgentRag:Auth:Jwt:SigningKey"].ShouldBe("jwt-from-dapr");

        var missing = new ConfigurationManager();
        missing.AddInMemoryCollection(new Dictionary<string, string?>(settings) { ["AgentRag:Dapr:Secrets:model"] = "OPENAI_API_KEY=nope" });
        var failure = Should.Throw<OptionsValidationException>(() => missing.AddDaprSecrets());
        failure.Message.ShouldStartWith("AgentRag:Dapr:Secrets:model names the secret 'nope', which the Dapr secret store 'agentrag-secrets' did not return");
    }
}
