using AgentRag.Agents.Planning;
using AgentRag.Agents.Planning.Evaluation;
using AgentRag.Agents.Plans;
using AgentRag.Agents.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentRag.Agents.Tests.Planning;

public sealed class RuleBasedPlannerTests
{
    private readonly RuleBasedPlanner _planner = new(new AgentsOptions());

    private QueryPlanner Planner(IChatClient? chat = null)
    {
        var catalog = TestAgents.Catalog();
        return new QueryPlanner(_planner, new PlanValidator(catalog), new PlanEstimator(catalog, new ModelPricing()), catalog,
            TestAgents.Prompts(), new AgentsOptions(), NullLogger<QueryPlanner>.Instance, chat);
    }

    [Theory]
    [InlineData("How do I assign a value to a variable in R?", QueryClass.Knowledge, "retrieval > synthesis > citation")]
    [InlineData("What is the difference between set samples and set isosamples?", QueryClass.Comparison, "retrieval+retrieval > synthesis > citation")]
    [InlineData("Compare /tmp and /var/tmp", QueryClass.Comparison, "retrieval+retrieval > synthesis > citation")]
    [InlineData("read.csv vs read.table", QueryClass.Comparison, "retrieval+retrieval > synthesis > citation")]
    [InlineData("Which function is that, and which of its arguments matters most?", QueryClass.MultiHop, "retrieval > follow_up_retrieval > synthesis > citation")]
    [InlineData("What is 12 * 7?", QueryClass.Arithmetic, "reasoning")]
    [InlineData("Thanks!", QueryClass.Conversational, "reasoning")]
    public void Plan_QueryClass_HasItsShape(string query, QueryClass expectedClass, string expectedShape)
    {
        var (plan, classification) = _planner.Plan(query);

        classification.Class.ShouldBe(expectedClass);
        PlanShape.Of(plan).ShouldBe(expectedShape);
        plan.Rationale.ShouldContain(classification.Rule);
        new PlanValidator(TestAgents.Catalog()).Validate(plan).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("Please send_note to the team: the build is green")]
    [InlineData("Send note: the build is green")]
    [InlineData("Could you SEND_NOTE 'done'?")]
    public void Plan_QueryNamesAnExternalTool_OneReasoningStepListingIt(string query)
    {
        var (plan, classification) = _planner.Plan(query, new Approvals.RecordingTools().List("default"));

        classification.Class.ShouldBe(QueryClass.Tools);
        classification.Tools.ShouldBe(["send_note"]);
        PlanShape.Of(plan).ShouldBe("reasoning");
        var step = plan.Steps.ShouldHaveSingleItem();
        step.Inputs["kind"].GetString().ShouldBe("tools");
        step.Inputs["tools"].EnumerateArray().Select(t => t.GetString()).ShouldBe(["send_note"]);
        plan.Rationale.ShouldContain(ToolMentions.Rule);
        new PlanValidator(TestAgents.Catalog()).Validate(plan).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("How do I lookup a value in a table?")] // a built-in tool's name is an ordinary word
    [InlineData("What does resend_notes do?")] // not the whole word
    public void Plan_QueryDoesNotNameAnExternalTool_ClassifiedAsUsual(string query) =>
        _planner.Plan(query, new Approvals.RecordingTools().List("default")).Classification.Class.ShouldBe(QueryClass.Knowledge);

    [Fact]
    public void Plan_Comparison_RetrievesEachEntityWithTheSharedContext()
    {
        var (plan, classification) = _planner.Plan("What is the difference between set samples and set isosamples in gnuplot?");

        classification.Entities.ShouldBe(["set samples", "set isosamples in gnuplot"]);
        var retrievals = plan.Steps.Where(s => s.Agent == AgentNames.Retrieval).ToList();
        retrievals.Count.ShouldBe(2);
        retrievals.ShouldAllBe(s => s.DependsOn.Count == 0);
        retrievals[0].Inputs["entity"].GetString().ShouldBe("set samples");
        plan.Find("synthesize")!.DependsOn.ShouldBe(["retrieve-1", "retrieve-2"]);
        plan.Find("synthesize")!.Inputs["style"].GetString().ShouldBe("comparison");
    }

    [Fact]
    public void Plan_MultiHop_FollowUpIsOptionalAndSynthesisUsesBothHops()
    {
        var (plan, _) = _planner.Plan("What convergence threshold does fit use by default, and which command changes it?");

        plan.Find("follow-up")!.Policy.Requirement.ShouldBe(StepRequirement.Optional);
        plan.Find("synthesize")!.DependsOn.ShouldBe(["retrieve", "follow-up"]);
        plan.Find("cite")!.Policy.Requirement.ShouldBe(StepRequirement.Optional);
    }

    [Fact]
    public void Plan_Arithmetic_PassesTheNormalizedExpression()
    {
        var (plan, classification) = _planner.Plan("How much is 1,250 divided by 5?");

        classification.Expression.ShouldBe("1,250 / 5");
        plan.Steps.ShouldHaveSingleItem().Inputs["expression"].GetString().ShouldBe("1,250 / 5");
    }

    [Fact]
    public void Plan_SameQueryTwice_SamePlan()
    {
        var first = _planner.Plan("Compare lists and data frames in R");
        var second = _planner.Plan("Compare lists and data frames in R");

        System.Text.Json.JsonSerializer.Serialize(first.Plan, Core.Serialization.AgentRagJson.Options)
            .ShouldBe(System.Text.Json.JsonSerializer.Serialize(second.Plan, Core.Serialization.AgentRagJson.Options));
    }

    [Fact]
    public async Task Evaluate_BuiltInSet_AtLeast40CasesAndAtLeast90PercentShapeAccuracy()
    {
        var cases = PlannerEvaluation.LoadBuiltIn();

        var report = await PlannerEvaluation.EvaluateAsync(Planner(), cases);

        cases.Count.ShouldBeGreaterThanOrEqualTo(40);
        report.ByClass.Keys.ShouldBe([QueryClass.Knowledge, QueryClass.Comparison, QueryClass.MultiHop, QueryClass.Conversational, QueryClass.Arithmetic], ignoreOrder: true);
        report.ShapeAccuracy.ShouldBeGreaterThanOrEqualTo(0.9, string.Join("\n", report.Misses.Select(m => $"{m.Case.Query}: {m.ActualShape} ({m.Rule})")));
    }

    [Fact]
    public void Parse_MalformedLine_NamesSourceAndLine()
    {
        var ex = Should.Throw<FormatException>(() => PlannerEvaluation.Parse("""
            {"query": "a", "class": "knowledge", "shape": "retrieval"}
            {"query": "b", "class": "knowledge"}
            """, "set.jsonl"));

        ex.Message.ShouldStartWith("set.jsonl, line 2:");
    }

    [Fact]
    public async Task PlanAsync_ModelReturnsValidPlan_UsesIt()
    {
        var chat = new ScriptedChatClient((_, _) => ScriptedChatClient.Text("""
            {"rationale": "two things compared", "steps": [
              {"id": "a", "agent": "retrieval", "inputs": {"query": "tmp"}, "dependsOn": []},
              {"id": "b", "agent": "retrieval", "inputs": {"query": "var tmp"}, "dependsOn": []},
              {"id": "s", "agent": "synthesis", "inputs": {"query": "q", "style": "comparison"}, "dependsOn": ["a", "b"]},
              {"id": "c", "agent": "citation", "inputs": {}, "dependsOn": ["s"], "policy": {"requirement": "optional", "timeoutMs": 5000}}]}
            """));

        var result = await Planner(chat).PlanAsync(new PlanningRequest("default", "tmp or var tmp?", "wf_1", UseModel: true));

        result.Planner.ShouldBe(QueryPlanner.ModelPlannerName);
        result.Warnings.ShouldBeEmpty();
        PlanShape.Of(result.Plan).ShouldBe("retrieval+retrieval > synthesis > citation");
        result.Plan.Find("c")!.Policy.ShouldBe(new StepPolicy(StepRequirement.Optional, 5000));
        result.Plan.Estimate.ModelCalls.ShouldBe(1);
        chat.Calls.ShouldBe(1);
    }

    [Theory]
    [InlineData("""{"steps": [{"id": "a", "agent": "web_search", "inputs": {}}]}""", "unknown agent 'web_search'")]
    [InlineData("""{"steps": [{"id": "a", "agent": "retrieval", "inputs": {"query": "x"}, "dependsOn": ["a"]}]}""", "depends on itself")]
    [InlineData("""I would retrieve first, then answer.""", "not valid JSON")]
    public async Task PlanAsync_ModelReturnsInvalidPlan_RulePlanWithWarning(string reply, string reason)
    {
        var chat = new ScriptedChatClient((_, _) => ScriptedChatClient.Text(reply));

        var result = await Planner(chat).PlanAsync(new PlanningRequest("default", "How do I assign a value in R?", "wf_1", UseModel: true));

        result.Planner.ShouldBe(RuleBasedPlanner.Name);
        PlanShape.Of(result.Plan).ShouldBe("retrieval > synthesis > citation");
        result.Warnings.ShouldHaveSingleItem().ShouldContain(reason);
        result.Warnings[0].ShouldEndWith("the rule-based plan was used.");
    }

    [Fact]
    public async Task PlanAsync_ModelDown_RulePlanWithWarning()
    {
        var chat = new ScriptedChatClient((_, ct) => ScriptedChatClient.Fail("503 Service Unavailable", ct));

        var result = await Planner(chat).PlanAsync(new PlanningRequest("default", "Compare /tmp and /var/tmp", "wf_1", UseModel: true));

        result.Planner.ShouldBe(RuleBasedPlanner.Name);
        result.Warnings.ShouldHaveSingleItem().ShouldContain("503 Service Unavailable");
    }

    [Fact]
    public async Task PlanAsync_ModelNotAllowed_NeverCallsTheModel()
    {
        var chat = new ScriptedChatClient((_, _) => ScriptedChatClient.Text("{}"));

        var result = await Planner(chat).PlanAsync(new PlanningRequest("default", "Compare /tmp and /var/tmp", "wf_1", UseModel: false));

        result.Planner.ShouldBe(RuleBasedPlanner.Name);
        chat.Calls.ShouldBe(0);
        result.Plan.Estimate.ModelCalls.ShouldBe(0);
    }
}
