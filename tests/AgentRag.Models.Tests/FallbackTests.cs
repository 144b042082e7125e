using AgentRag.Core.Usage;
using AgentRag.Models.Calls;
using AgentRag.TestKit.OpenAi;
using Microsoft.Extensions.AI;

namespace AgentRag.Models.Tests;

public sealed class FallbackTests
{
    [Fact]
    public async Task GetResponse_PrimaryFails_FallbackAnswersWithWarningAndEvent()
    {
        await using var harness = await ModelHarness.StartAsync();
        harness.Server.Chat.Enqueue(4, () => ScriptedResponse.Error(500), model: "gpt-primary");
        harness.Server.Chat.Enqueue(ScriptedResponse.Reply("Answer from the fallback."), model: "gpt-fallback");
        var sink = new RecordingEventSink();

        var response = await harness.RunAsync(harness.Chat.GetResponseAsync(ModelHarness.Ask("q"),
            new ChatOptions().WithContext(new ModelCallContext { WorkflowId = "wf_fb", Events = sink })));

        response.Text.ShouldBe("Answer from the fallback.");
        response.GetWarnings().ShouldBe([ModelCallOptions.FallbackWarning]);
        response.AdditionalProperties![ModelCallOptions.ServedByProfileKey].ShouldBe("fallback");
        harness.Server.Count("chat", "gpt-primary").ShouldBe(4);
        harness.Server.Count("chat", "gpt-fallback").ShouldBe(1);
        var fallbackEvent = sink.Events.Single();
        fallbackEvent.Type.ShouldBe(ModelEventTypes.Fallback);
        fallbackEvent.Message.ShouldStartWith("Generated with fallback model");
        var rows = await harness.UsageRowsAsync();
        rows.Select(r => (r.Profile, r.Outcome)).ShouldBe([("primary", UsageOutcome.Failed), ("fallback", UsageOutcome.Succeeded)], ignoreOrder: true);
        rows.ShouldAllBe(r => r.WorkflowId == "wf_fb");
    }

    [Fact]
    public async Task GetStreamingResponse_PrimaryFailsBeforeContent_MarkerThenFallbackStream()
    {
        await using var harness = await ModelHarness.StartAsync(settings => settings["AgentRag:Models:Resilience:MaxRetries"] = "0");
        harness.Server.Chat.Enqueue(ScriptedResponse.Error(503), model: "gpt-primary");
        harness.Server.Chat.Enqueue(ScriptedResponse.Reply("Fallback streamed answer."), model: "gpt-fallback");

        var updates = await harness.Chat.GetStreamingResponseAsync(ModelHarness.Ask("q")).ToListAsync();

        updates[0].GetWarnings().ShouldBe([ModelCallOptions.FallbackWarning]);
        updates[0].IsRestart().ShouldBeFalse();
        string.Concat(updates.Select(u => u.Text)).ShouldBe("Fallback streamed answer.");
    }

    [Fact]
    public async Task GetStreamingResponse_StreamBreaksMidway_RestartMarkerThenFullFallbackAnswer()
    {
        await using var harness = await ModelHarness.StartAsync();
        harness.Server.Chat.Enqueue(ScriptedResponse.AbortMidStream("This answer will never be finished by the primary", chunksBeforeAbort: 3), model: "gpt-primary");
        harness.Server.Chat.Enqueue(ScriptedResponse.Reply("Complete answer."), model: "gpt-fallback");

        var updates = await harness.RunAsync(harness.Chat.GetStreamingResponseAsync(ModelHarness.Ask("q")).ToListAsync().AsTask());

        var markerIndex = updates.FindIndex(u => u.IsRestart());
        markerIndex.ShouldBeGreaterThan(0);
        string.Concat(updates.Take(markerIndex).Select(u => u.Text)).ShouldBe("This answer will ");
        updates[markerIndex].GetWarnings().ShouldContain(ModelCallOptions.FallbackWarning);
        string.Concat(updates.Skip(markerIndex + 1).Select(u => u.Text)).ShouldBe("Complete answer.");
        harness.Server.Count("chat", "gpt-primary").ShouldBe(1);
        var rows = await harness.UsageRowsAsync();
        rows.Select(r => (r.Profile, r.Outcome)).ShouldBe([("primary", UsageOutcome.Failed), ("fallback", UsageOutcome.Succeeded)], ignoreOrder: true);
        var interrupted = rows.Single(r => r.Profile == "primary");
        interrupted.Estimated.ShouldBeTrue();
        interrupted.OutputTokens.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task GetResponse_PrimaryAndFallbackFail_ThrowsChainExhaustedWithBothReasons()
    {
        await using var harness = await ModelHarness.StartAsync(settings => settings["AgentRag:Models:Resilience:MaxRetries"] = "0");
        harness.Server.Chat.Enqueue(ScriptedResponse.Error(500, "primary down"), model: "gpt-primary");
        harness.Server.Chat.Enqueue(ScriptedResponse.Error(503, "fallback down"), model: "gpt-fallback");

        var error = await Should.ThrowAsync<ModelChainExhaustedException>(() => harness.Chat.GetResponseAsync(ModelHarness.Ask("q")));

        error.Failures.Count.ShouldBe(2);
        error.Message.ShouldContain("primary down");
        error.Message.ShouldContain("fallback down");
    }

    [Fact]
    public async Task GetResponse_FallbackProfileRequested_NeverFallsBackAgain()
    {
        await using var harness = await ModelHarness.StartAsync(settings => settings["AgentRag:Models:Resilience:MaxRetries"] = "0");
        harness.Server.Chat.Enqueue(ScriptedResponse.Error(500), model: "gpt-fallback");

        await Should.ThrowAsync<ModelCallException>(() => harness.Chat.GetResponseAsync(ModelHarness.Ask("q"), new ChatOptions().WithProfile("fallback")));

        harness.Server.Count("chat").ShouldBe(1);
    }
}
