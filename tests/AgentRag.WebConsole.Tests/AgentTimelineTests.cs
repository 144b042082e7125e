using AgentRag.WebConsole.Components;
using AgentRag.WebConsole.State;
using Bunit;

namespace AgentRag.WebConsole.Tests;

/// <summary>The live agent timeline: steps from the plan, their states and notes as events arrive, token.reset honoured.</summary>
public sealed class AgentTimelineTests : BunitContext
{
    private const string Plan = """
        {"workflowId":"wf_1","planner":"rules","queryClass":"factual","rule":"r","explanation":"e","rationale":"r","estimate":{},
         "steps":[{"id":"retrieve","agent":"retrieval","dependsOn":[]},{"id":"answer","agent":"synthesis","dependsOn":["retrieve"]}],"warnings":[]}
        """;

    [Fact]
    public void Render_PlanThenProgress_ShowsEachStepWithWhatItIsDoing()
    {
        var timeline = new WorkflowTimeline("How do I assign a value?");
        timeline.Apply("plan", Plan);
        timeline.Apply("step.started", """{"stepId":"retrieve","agent":"retrieval","attempt":1,"fallback":false,"resumed":false,"dependsOn":[]}""");
        timeline.Apply("step.progress", """{"stepId":"retrieve","agent":"retrieval","attempt":1,"message":"searching…","warning":null,"tool":null}""");

        var cut = Render<AgentTimeline>(p => p.Add(c => c.Timeline, timeline));

        var steps = cut.FindAll("li.timeline-step");
        steps.Count.ShouldBe(2);
        steps[0].ClassList.ShouldContain("step-running");
        steps[0].TextContent.ShouldContain("Retrieval");
        steps[0].TextContent.ShouldContain("searching…");
        steps[1].ClassList.ShouldContain("step-planned");
        steps[1].TextContent.ShouldContain("after retrieve");

        timeline.Apply("step.completed", """{"stepId":"retrieve","agent":"retrieval","attempt":1,"fallback":false,"durationMs":12.5,"summary":"found 8 passages","warnings":[]}""");
        cut.Render();

        cut.Find("li[data-step=retrieve]").ClassList.ShouldContain("step-completed");
        cut.Find("li[data-step=retrieve]").TextContent.ShouldContain("found 8 passages");
    }

    [Fact]
    public void Render_RetryFallbackAndWarning_AreListedUnderTheStep()
    {
        var timeline = new WorkflowTimeline("q");
        timeline.Apply("plan", Plan);
        timeline.Apply("step.started", """{"stepId":"answer","agent":"synthesis","attempt":1,"fallback":false,"resumed":false,"dependsOn":["retrieve"]}""");
        timeline.Apply("step.failed", """{"stepId":"answer","agent":"synthesis","attempt":1,"error":"model returned 503","timedOut":false,"requirement":"required","action":"fallback"}""");
        timeline.Apply("step.started", """{"stepId":"answer","agent":"synthesis","attempt":2,"fallback":true,"resumed":false,"dependsOn":["retrieve"]}""");
        timeline.Apply("step.progress", """{"stepId":"answer","agent":"synthesis","attempt":2,"message":"budget","warning":{"kind":"budget","message":"Budget reached: answering extractively"},"tool":null}""");

        var cut = Render<AgentTimeline>(p => p.Add(c => c.Timeline, timeline));

        var notes = cut.FindAll("li[data-step=answer] .step-notes li").Select(n => n.TextContent).ToList();
        notes.ShouldBe(
        [
            "Failed (model returned 503); falling back",
            "Retry: attempt 2",
            "Fallback: running the fallback",
            "Warning: Budget reached: answering extractively",
        ]);
        cut.Find("li[data-step=answer]").ClassList.ShouldContain("step-running");
    }

    [Fact]
    public void Apply_TokenReset_VoidsTheStepsStreamedText()
    {
        var timeline = new WorkflowTimeline("q");
        timeline.Apply("plan", Plan);
        timeline.Apply("token", """{"stepId":"answer","agent":"synthesis","attempt":1,"text":"A wrong "}""");
        timeline.Apply("token", """{"stepId":"answer","agent":"synthesis","attempt":1,"text":"start"}""");
        timeline.Answer.ShouldBe("A wrong start");

        timeline.Apply("token.reset", """{"stepId":"answer","agent":"synthesis","attempt":2,"cause":"restart","reason":"fallback model"}""");
        timeline.Answer.ShouldBe("");
        timeline.Apply("token", """{"stepId":"answer","agent":"synthesis","attempt":2,"text":"Use <- to assign [1]."}""");

        timeline.Answer.ShouldBe("Use <- to assign [1].");
        var cut = Render<AgentTimeline>(p => p.Add(c => c.Timeline, timeline));
        cut.Find("li[data-step=answer] .step-notes").TextContent.ShouldContain("Answer restarted: fallback model");
    }

    [Fact]
    public void Render_StepMessageWithMarkup_IsShownAsText()
    {
        var timeline = new WorkflowTimeline("q");
        timeline.Apply("plan", Plan);
        timeline.Apply("step.progress", """{"stepId":"retrieve","agent":"retrieval","attempt":1,"message":"<img src=x onerror=alert(1)>","warning":null,"tool":null}""");

        var cut = Render<AgentTimeline>(p => p.Add(c => c.Timeline, timeline));

        cut.FindAll("img").ShouldBeEmpty();
        cut.Find("li[data-step=retrieve] .step-state").TextContent.ShouldBe("<img src=x onerror=alert(1)>");
    }
}
