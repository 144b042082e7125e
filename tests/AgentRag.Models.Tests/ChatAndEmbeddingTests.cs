using System.Text.Json;
using AgentRag.Core.Usage;
using AgentRag.Models.Calls;
using AgentRag.TestKit.OpenAi;
using Microsoft.Extensions.AI;

namespace AgentRag.Models.Tests;

public sealed class ChatAndEmbeddingTests
{
    [Fact]
    public async Task GetStreamingResponse_WithUsageChunk_StreamsTextAndRecordsExactlyTheServedTokens()
    {
        await using var harness = await ModelHarness.StartAsync();
        harness.Server.Chat.Enqueue(ScriptedResponse.Reply("The answer is 42 [1].", new ScriptedUsage(120, 9, CachedTokens: 100)));
        var context = new ModelCallContext { TenantId = "acme", UserId = "u1", SessionId = "s1", WorkflowId = "wf_1", StepId = "synthesize", Agent = "synthesis" };

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in harness.Chat.GetStreamingResponseAsync(ModelHarness.Ask("What is the answer?"), new ChatOptions().WithContext(context)))
        {
            updates.Add(update);
        }

        updates.Count(u => u.Text.Length > 0).ShouldBeGreaterThan(1);
        string.Concat(updates.Select(u => u.Text)).ShouldBe("The answer is 42 [1].");
        var usage = updates.SelectMany(u => u.Contents).OfType<UsageContent>().Single().Details;
        (usage.InputTokenCount, usage.OutputTokenCount, usage.CachedInputTokenCount).ShouldBe((120L, 9L, 100L));

        var request = harness.Server.Requests.Single();
        request.Stream.ShouldBeTrue();
        request.IncludeUsage.ShouldBeTrue();
        var row = (await harness.UsageRowsAsync()).Single();
        row.ShouldSatisfyAllConditions(
            () => row.TenantId.ShouldBe("acme"),
            () => row.UserId.ShouldBe("u1"),
            () => row.SessionId.ShouldBe("s1"),
            () => row.WorkflowId.ShouldBe("wf_1"),
            () => row.StepId.ShouldBe("synthesize"),
            () => row.Agent.ShouldBe("synthesis"),
            () => row.Profile.ShouldBe("primary"),
            () => row.Model.ShouldBe("gpt-primary"),
            () => row.Operation.ShouldBe(UsageOperations.ChatStream),
            () => row.InputTokens.ShouldBe(harness.Server.ServedPromptTokens),
            () => row.OutputTokens.ShouldBe(harness.Server.ServedCompletionTokens),
            () => row.CachedTokens.ShouldBe(100),
            () => row.Estimated.ShouldBeFalse(),
            () => row.Outcome.ShouldBe(UsageOutcome.Succeeded));
    }

    [Fact]
    public async Task GetResponse_PricedProfile_RecordsCostFromThePricesTable()
    {
        await using var harness = await ModelHarness.StartAsync(settings =>
        {
            settings["AgentRag:Models:Profiles:primary:InputPricePer1M"] = "2.50";
            settings["AgentRag:Models:Profiles:primary:CachedInputPricePer1M"] = "1.25";
            settings["AgentRag:Models:Profiles:primary:OutputPricePer1M"] = "10";
        });
        harness.Server.Chat.Enqueue(ScriptedResponse.Reply("ok", new ScriptedUsage(1_000, 200, CachedTokens: 400)));

        var response = await harness.Chat.GetResponseAsync(ModelHarness.Ask("price me"));

        response.Usage!.InputTokenCount.ShouldBe(1_000);
        var row = (await harness.UsageRowsAsync()).Single();
        // 600 × $2.50/M + 400 × $1.25/M + 200 × $10/M = $0.0015 + $0.0005 + $0.002
        row.CostUsd.ShouldBe(0.004m);
        row.Operation.ShouldBe(UsageOperations.Chat);
    }

    [Fact]
    public async Task GetResponse_FunctionTools_SendsToolsAndReturnsParsedFunctionCalls()
    {
        await using var harness = await ModelHarness.StartAsync();
        harness.Server.Chat.Enqueue(ScriptedResponse.ToolCall(new ScriptedToolCall("search", """{"query":"page size","top":5}""", "call_a")));
        var tool = JsonSchemaFunction.Declare("search", "Searches the documents.", """{"type":"object","properties":{"query":{"type":"string"},"top":{"type":"integer"}},"required":["query"]}""");

        var response = await harness.Chat.GetResponseAsync(ModelHarness.Ask("find page size"), new ChatOptions { Tools = [tool] });

        var call = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Single();
        call.CallId.ShouldBe("call_a");
        call.Name.ShouldBe("search");
        call.Arguments!["query"]!.ToString().ShouldBe("page size");
        ((JsonElement)call.Arguments["top"]!).GetInt32().ShouldBe(5);
        response.FinishReason.ShouldBe(ChatFinishReason.ToolCalls);
        var sent = harness.Server.Requests.Single().Json!;
        sent["tools"]![0]!["function"]!["name"]!.GetValue<string>().ShouldBe("search");
        sent["tools"]![0]!["function"]!["parameters"]!["required"]![0]!.GetValue<string>().ShouldBe("query");
    }

    [Fact]
    public async Task GetStreamingResponse_ToolCallInFragments_AssemblesOneFunctionCall()
    {
        await using var harness = await ModelHarness.StartAsync();
        harness.Server.Chat.Enqueue(ScriptedResponse.ToolCall(new ScriptedToolCall("lookup", """{"document":"fhs-3.0.pdf","page":12}""")));
        var tool = JsonSchemaFunction.Declare("lookup", "Looks a page up.", """{"type":"object","properties":{"document":{"type":"string"},"page":{"type":"integer"}}}""");

        var response = await harness.Chat.GetStreamingResponseAsync(ModelHarness.Ask("open page 12"), new ChatOptions { Tools = [tool] }).ToChatResponseAsync();

        var call = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Single();
        call.Name.ShouldBe("lookup");
        call.Arguments!["document"]!.ToString().ShouldBe("fhs-3.0.pdf");
        ((JsonElement)call.Arguments["page"]!).GetInt32().ShouldBe(12);
        (await harness.UsageRowsAsync()).Single().Estimated.ShouldBeFalse();
    }

    [Fact]
    public async Task GenerateEmbeddings_SeventyInputs_SendsBatchesOf32InInputOrder()
    {
        await using var harness = await ModelHarness.StartAsync();
        var inputs = Enumerable.Range(0, 70).Select(i => $"passage number {i}").ToList();

        var embeddings = await harness.Embeddings.GenerateAsync(inputs);

        embeddings.Count.ShouldBe(70);
        for (var i = 0; i < inputs.Count; i++)
        {
            embeddings[i].Vector.ToArray().ShouldBe(OpenAiTestServer.VectorFor(inputs[i], harness.Server.EmbeddingDimensions));
        }

        harness.Server.Requests.Select(r => r.Json!["input"]!.AsArray().Count).ShouldBe([32, 32, 6]);
        harness.Server.Requests.ShouldAllBe(r => r.Route == "embeddings" && r.Model == "embed-small");
        var row = (await harness.UsageRowsAsync()).Single();
        row.Operation.ShouldBe(UsageOperations.Embedding);
        row.Profile.ShouldBe("embedding");
        row.InputTokens.ShouldBe(harness.Server.ServedPromptTokens);
        embeddings.Usage!.InputTokenCount.ShouldBe(harness.Server.ServedPromptTokens);
    }

    [Fact]
    public async Task GetResponse_ProfileOption_CallsThatProfilesModel()
    {
        await using var harness = await ModelHarness.StartAsync();

        await harness.Chat.GetResponseAsync(ModelHarness.Ask("cheap please"), new ChatOptions().WithProfile("cheap"));

        harness.Server.Requests.Single().Model.ShouldBe("gpt-cheap");
        (await harness.UsageRowsAsync()).Single().Profile.ShouldBe("cheap");
    }

    [Fact]
    public async Task GetResponse_AmbientContext_AttributesTheCall()
    {
        await using var harness = await ModelHarness.StartAsync();

        using (ModelCallContext.Begin(new ModelCallContext { TenantId = "ambient-tenant", Agent = "planner", WorkflowId = "wf_ambient" }))
        {
            await harness.Chat.GetResponseAsync(ModelHarness.Ask("plan"));
        }

        await harness.Chat.GetResponseAsync(ModelHarness.Ask("no scope"));

        var rows = await harness.UsageRowsAsync();
        rows.Select(r => (r.TenantId, r.Agent, r.WorkflowId)).ShouldBe([("ambient-tenant", "planner", "wf_ambient"), ("default", null, null)], ignoreOrder: true);
    }
}

/// <summary>Declares a function tool from a JSON schema (Microsoft.Extensions.AI's AIFunctionFactory is not available here).</summary>
internal sealed class JsonSchemaFunction(string name, string description, JsonElement schema) : AIFunctionDeclaration
{
    public override string Name => name;

    public override string Description => description;

    public override JsonElement JsonSchema => schema;

    public static AIFunctionDeclaration Declare(string name, string description, string schemaJson) =>
        new JsonSchemaFunction(name, description, JsonDocument.Parse(schemaJson).RootElement.Clone());
}
