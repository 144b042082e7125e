using System.ClientModel;
using AgentRag.Models.Diagnostics;
using AgentRag.Models.OpenAi;
using AgentRag.TestKit.OpenAi;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Models.Tests;

/// <summary>
/// What the model layer adds around Microsoft.Extensions.AI.OpenAI's clients (<see cref="OpenAiCheckedChatClient"/>,
/// <see cref="OpenAiCheckedEmbeddingGenerator"/>): the SDK surfaces HTTP failures as <see cref="ClientResultException"/>
/// and would wait on a stalled stream or use its own 100 s timeout, so these pin how errors and timeouts reach callers.
/// </summary>
public sealed class OpenAiClientTests
{
    private static void NoFallback(Dictionary<string, string?> settings) => settings["AGENTRAG_FALLBACK_MODEL"] = null;

    [Fact]
    public async Task GetStreamingResponse_StreamStallsAfterTheFirstWords_FailsAsTimeoutAfterTheProfileTimeoutWithoutRetrying()
    {
        await using var harness = await ModelHarness.StartAsync(NoFallback);
        var stalled = harness.Server.Chat.Enqueue(ScriptedResponse.PausedAfter(2, ScriptedResponse.Reply("one two three four five")));
        var received = new List<string>();
        var firstWords = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consume = Task.Run(async () =>
        {
            await foreach (var update in harness.Chat.GetStreamingResponseAsync(ModelHarness.Ask("stall")))
            {
                received.Add(update.Text);
                firstWords.TrySetResult();
            }

            return received.Count;
        });
        await stalled.Paused;
        // The stream is open (the retry pipeline's attempt is over) once the first words have arrived; from then on only
        // the per-read timeout can end the wait.
        await firstWords.Task;

        var error = await Should.ThrowAsync<ModelCallException>(() => harness.Clock.RunAsync(consume, TimeSpan.FromSeconds(60)));
        stalled.Release();

        error.Kind.ShouldBe(ModelFailureKind.Timeout);
        error.Message.ShouldContain("Model profile 'primary' (gpt-primary at");
        error.Message.ShouldContain("did not answer streaming chunk");
        error.Message.ShouldContain("within 60 s (AgentRag:Models:Profiles:primary:Timeout)");
        "one two three four five".ShouldStartWith(string.Concat(received));
        harness.Server.Count("chat").ShouldBe(1);
    }

    [Fact]
    public async Task GetResponse_Persistent429_FailsAsRateLimitedWithTheProvidersDelayStatusAndSdkError()
    {
        await using var harness = await ModelHarness.StartAsync(NoFallback);
        harness.Server.Chat.Enqueue(10, () => ScriptedResponse.Error(429, "Rate limit reached for requests", retryAfter: "3"));

        var error = await Should.ThrowAsync<ModelCallException>(() => harness.RunAsync(harness.Chat.GetResponseAsync(ModelHarness.Ask("hello"))));

        error.Kind.ShouldBe(ModelFailureKind.RateLimited);
        error.IsTransient.ShouldBeTrue();
        error.StatusCode.ShouldBe(429);
        error.RetryAfter.ShouldBe(TimeSpan.FromSeconds(3));
        error.Message.ShouldContain("is rate limited (HTTP 429); retry after 3 s. Provider said: Rate limit reached for requests");
        error.InnerException.ShouldBeOfType<ClientResultException>().Status.ShouldBe(429);
        harness.Server.Count("chat").ShouldBe(4);
    }

    [Fact]
    public async Task GetStreamingResponse_500BeforeTheFirstChunk_FailsAsServerErrorNamingTheProfile()
    {
        await using var harness = await ModelHarness.StartAsync(NoFallback);
        harness.Server.Chat.Enqueue(10, () => ScriptedResponse.Error(500, "The server had an error while processing your request."));

        var error = await Should.ThrowAsync<ModelCallException>(() =>
            harness.RunAsync(harness.Chat.GetStreamingResponseAsync(ModelHarness.Ask("hello")).ToChatResponseAsync()));

        error.Kind.ShouldBe(ModelFailureKind.ServerError);
        error.StatusCode.ShouldBe(500);
        error.Message.ShouldContain("Model profile 'primary' (gpt-primary at");
        error.Message.ShouldContain("failed with HTTP 500. Provider said: The server had an error while processing your request.");
    }

    [Fact]
    public async Task GetResponse_FunctionTool_IsSentWithTheDeclaredSchemaClosedToOtherPropertiesAndNotInStrictMode()
    {
        await using var harness = await ModelHarness.StartAsync();
        const string Schema = """{"type":"object","properties":{"query":{"type":"string"},"top":{"type":"integer"}},"required":["query"]}""";
        harness.Server.Chat.Enqueue(ScriptedResponse.ToolCall(new ScriptedToolCall("search", """{"query":"page size"}""", "call_a")));

        await harness.Chat.GetResponseAsync(ModelHarness.Ask("find page size"),
            new ChatOptions { Tools = [JsonSchemaFunction.Declare("search", "Searches the documents.", Schema)] });

        // Strict mode would make the provider require every property: the schema goes as declared, except that the library
        // closes it to undeclared properties (additionalProperties: false), which the hand-written adapter did not.
        var function = harness.Server.Requests.Single().Json!["tools"]![0]!["function"]!;
        function["strict"]?.GetValue<bool>().ShouldNotBe(true);
        var expected = System.Text.Json.Nodes.JsonNode.Parse(Schema)!.AsObject();
        expected["additionalProperties"] = false;
        System.Text.Json.Nodes.JsonNode.DeepEquals(function["parameters"], expected).ShouldBeTrue(function["parameters"]!.ToJsonString());
    }

    [Fact]
    public async Task Probe_ProviderNeverAnswers_FailsAfterTheProfileTimeoutOnTheInjectedClock()
    {
        await using var harness = await ModelHarness.StartAsync(settings =>
        {
            settings["AGENTRAG_FALLBACK_MODEL"] = null;
            settings["AGENTRAG_CHEAP_MODEL"] = null;
            settings["AGENTRAG_EMBEDDING_MODEL"] = null;
        });
        var held = harness.Server.Chat.Enqueue(ScriptedResponse.Held(ScriptedResponse.Reply("too late")));
        var probe = harness.Services.GetRequiredService<ModelProbe>();

        var probing = probe.ProbeAsync(harness.Catalog.Get("primary"), "default");
        await held.Received;
        await harness.Clock.AdvanceToNextTimerAsync(TimeSpan.FromSeconds(60));
        var result = await probing;
        held.Release();

        result.Succeeded.ShouldBeFalse();
        result.Error.ShouldNotBeNull().ShouldContain("did not answer the request within 60 s (AgentRag:Models:Profiles:primary:Timeout)");
        harness.Server.Count("chat").ShouldBe(1);
    }

    [Fact]
    public async Task GenerateEmbeddings_ProfileDimensions_AreSentAndEmptyInputIsRefusedBeforeSending()
    {
        await using var harness = await ModelHarness.StartAsync(settings => settings["AgentRag:Models:Profiles:embedding:EmbeddingDimensions"] = "4");

        var embeddings = await harness.Embeddings.GenerateAsync(["first passage", "second passage"]);
        var empty = await Should.ThrowAsync<ArgumentException>(() => harness.Embeddings.GenerateAsync(["fine", ""]));

        embeddings.Count.ShouldBe(2);
        embeddings.ShouldAllBe(e => e.ModelId == "embed-small" && e.Vector.Length == 4);
        harness.Server.Requests.Single().Json!["dimensions"]!.GetValue<int>().ShouldBe(4);
        empty.Message.ShouldContain("Input 1 is empty");
    }

    [Fact]
    public async Task CreateOptions_AnyProfile_TurnsTheSdksNetworkTimeoutOffAndKeepsTheEndpoint()
    {
        await using var harness = await ModelHarness.StartAsync();
        var profile = harness.Catalog.Get("primary");

        var options = OpenAiClientFactory.CreateOptions(profile);

        options.NetworkTimeout.ShouldBe(Timeout.InfiniteTimeSpan);
        options.Endpoint.ShouldBe(profile.Endpoint);
    }
}
