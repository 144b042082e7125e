using System.Net;
using System.Net.Sockets;
using AgentRag.Core.Usage;
using AgentRag.Models.Calls;
using AgentRag.TestKit.OpenAi;
using Microsoft.Extensions.AI;

namespace AgentRag.Models.Tests;

public sealed class BadInputTests
{
    private static void NoFallback(Dictionary<string, string?> settings) => settings["AGENTRAG_FALLBACK_MODEL"] = null;

    [Fact]
    public async Task GetResponse_EndpointOnClosedPort_FailsNamingProfileUrlAndSetting()
    {
        var closed = ClosedPortUrl();
        await using var harness = await ModelHarness.StartAsync(settings =>
        {
            NoFallback(settings);
            settings["AgentRag:Models:Profiles:primary:Endpoint"] = closed;
        });

        var error = await Should.ThrowAsync<ModelCallException>(() => harness.RunAsync(harness.Chat.GetResponseAsync(ModelHarness.Ask("hello"))));

        error.Kind.ShouldBe(ModelFailureKind.Unreachable);
        error.Message.ShouldContain($"Model profile 'primary' (gpt-primary at {closed})");
        error.Message.ShouldContain($"cannot reach {closed} (AgentRag:Models:Profiles:primary:Endpoint)");
        (await harness.UsageRowsAsync()).Single().Outcome.ShouldBe(UsageOutcome.Failed);
    }

    [Fact]
    public async Task GetResponse_EndpointWithoutApiBasePath_404NamesEndpointAndModelSettings()
    {
        await using var harness = await ModelHarness.StartAsync(settings =>
        {
            NoFallback(settings);
            settings["OPENAI_BASE_URL"] = settings["OPENAI_BASE_URL"]!.Replace("/v1", "", StringComparison.Ordinal);
        });

        var error = await Should.ThrowAsync<ModelCallException>(() => harness.Chat.GetResponseAsync(ModelHarness.Ask("hello")));

        error.Kind.ShouldBe(ModelFailureKind.ModelNotFound);
        error.Message.ShouldContain("check AgentRag:Models:Profiles:primary:Model and that AgentRag:Models:Profiles:primary:Endpoint ends with the API's base path");
        harness.Server.Requests.Single().Path.ShouldBe("/chat/completions");
    }

    [Fact]
    public async Task GetResponse_ServerNeedsKeyButNoneConfigured_401NamesTheApiKeySetting()
    {
        await using var harness = await ModelHarness.StartAsync(NoFallback, server => server.RequiredApiKey = "sk-right");

        var error = await Should.ThrowAsync<ModelCallException>(() => harness.Chat.GetResponseAsync(ModelHarness.Ask("hello")));

        error.Kind.ShouldBe(ModelFailureKind.Unauthorized);
        error.StatusCode.ShouldBe(401);
        error.Message.ShouldContain("refused the API key (HTTP 401): check AgentRag:Models:Profiles:primary:ApiKey (or OPENAI_API_KEY");
        error.Message.ShouldContain("Incorrect API key provided.");
        harness.Server.Count("chat").ShouldBe(1);
    }

    [Fact]
    public async Task GetResponse_UnknownModel_404NamesTheModelSetting()
    {
        await using var harness = await ModelHarness.StartAsync(NoFallback, server => server.KnownModels.Add("gpt-4o-mini"));

        var error = await Should.ThrowAsync<ModelCallException>(() => harness.Chat.GetResponseAsync(ModelHarness.Ask("hello")));

        error.Message.ShouldContain("model 'gpt-primary' was not found (HTTP 404): check AgentRag:Models:Profiles:primary:Model");
        error.Message.ShouldContain("The model 'gpt-primary' does not exist");
    }

    [Fact]
    public async Task GetStreamingResponse_MalformedChunk_FailsAfterThePartialTextNamingTheChunk()
    {
        await using var harness = await ModelHarness.StartAsync(NoFallback);
        harness.Server.Chat.Enqueue(ScriptedResponse.Malformed());
        var received = new List<string>();

        var error = await Should.ThrowAsync<ModelCallException>(async () =>
        {
            await foreach (var update in harness.Chat.GetStreamingResponseAsync(ModelHarness.Ask("hello")))
            {
                received.Add(update.Text);
            }
        });

        string.Concat(received).ShouldBe("Partial ");
        error.Kind.ShouldBe(ModelFailureKind.MalformedResponse);
        error.Message.ShouldContain("Model profile 'primary' (gpt-primary at");
        error.Message.ShouldContain("sent a malformed response in streaming chunk");
        harness.Server.Count("chat").ShouldBe(1);
    }

    [Fact]
    public async Task GetResponse_MalformedBody_FailsAsMalformedNotACrash()
    {
        await using var harness = await ModelHarness.StartAsync(NoFallback);
        harness.Server.Chat.Enqueue(ScriptedResponse.Malformed());

        var error = await Should.ThrowAsync<ModelCallException>(() => harness.Chat.GetResponseAsync(ModelHarness.Ask("hello")));

        error.Kind.ShouldBe(ModelFailureKind.MalformedResponse);
        error.Message.ShouldContain("AgentRag:Models:Profiles:primary:Endpoint points at an OpenAI-compatible API");
    }

    [Fact]
    public async Task GetResponse_EmptyResponse_FailsNamingTheProfileBothWays()
    {
        await using var harness = await ModelHarness.StartAsync(NoFallback);
        harness.Server.Chat.Enqueue(ScriptedResponse.Empty());
        harness.Server.Chat.Enqueue(ScriptedResponse.Empty());

        var plain = await Should.ThrowAsync<ModelCallException>(() => harness.Chat.GetResponseAsync(ModelHarness.Ask("hello")));
        var streamed = await Should.ThrowAsync<ModelCallException>(() => harness.Chat.GetStreamingResponseAsync(ModelHarness.Ask("hello")).ToListAsync().AsTask());

        plain.Kind.ShouldBe(ModelFailureKind.EmptyResponse);
        plain.Message.ShouldContain("Model profile 'primary' (gpt-primary at");
        plain.Message.ShouldContain("returned an empty response: the completion had no text and no tool call");
        streamed.Kind.ShouldBe(ModelFailureKind.EmptyResponse);
        streamed.Message.ShouldContain("carried no text and no tool call");
    }

    [Fact]
    public async Task GetResponse_EmptyResponseWithFallback_FallbackAnswers()
    {
        await using var harness = await ModelHarness.StartAsync();
        harness.Server.Chat.Enqueue(ScriptedResponse.Empty(), model: "gpt-primary");

        var response = await harness.Chat.GetResponseAsync(ModelHarness.Ask("hello"));

        response.Text.ShouldBe("Echo: hello");
        response.GetWarnings().ShouldContain("Generated with fallback model");
    }

    [Fact]
    public async Task GenerateEmbeddings_MalformedOrMissingVectors_FailClearly()
    {
        await using var harness = await ModelHarness.StartAsync();
        harness.Server.Embeddings.Enqueue(ScriptedResponse.Malformed());
        harness.Server.Embeddings.Enqueue(ScriptedResponse.Empty());

        var malformed = await Should.ThrowAsync<ModelCallException>(() => harness.Embeddings.GenerateAsync(["one"]));
        var missing = await Should.ThrowAsync<ModelCallException>(() => harness.Embeddings.GenerateAsync(["two"]));

        malformed.Kind.ShouldBe(ModelFailureKind.MalformedResponse);
        malformed.Message.ShouldContain("Model profile 'embedding' (embed-small at");
        missing.Message.ShouldContain("the response has no embedding for input 0 (got 0 of 1)");
    }

    private static string ClosedPortUrl()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}/v1";
    }
}
