using System.Text.Json;
using AgentRag.Agents.Plans;
using AgentRag.Agents.Tests.Support;

namespace AgentRag.Agents.Tests.Plans;

public sealed class PlanValidatorTests
{
    private readonly PlanValidator _validator = new(TestAgents.Catalog());

    private static PlanStep Step(string id, string agent, string[]? dependsOn = null, string inputs = """{"query":"what is R?"}""", StepPolicy? policy = null) => new()
    {
        Id = id,
        Agent = agent,
        DependsOn = dependsOn ?? [],
        Inputs = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(inputs)!,
        Policy = policy ?? new StepPolicy(),
    };

    private static Plan Knowledge() => new()
    {
        Steps =
        [
            Step("retrieve", AgentNames.Retrieval),
            Step("synthesize", AgentNames.Synthesis, ["retrieve"]),
            Step("cite", AgentNames.Citation, ["synthesize"], "{}"),
        ],
    };

    [Fact]
    public void Validate_KnowledgePlan_HasNoErrors() => _validator.Validate(Knowledge()).ShouldBeEmpty();

    [Fact]
    public void Validate_Cycle_NamesTheCycle()
    {
        var plan = new Plan
        {
            Steps =
            [
                Step("retrieve", AgentNames.Retrieval),
                Step("a", AgentNames.Synthesis, ["retrieve", "c"]),
                Step("b", AgentNames.Synthesis, ["a"]),
                Step("c", AgentNames.Synthesis, ["b"]),
            ],
        };

        var errors = _validator.Validate(plan);

        errors.ShouldHaveSingleItem().ShouldContain("cycle");
        errors[0].ShouldContain("a → c → b → a");
    }

    [Fact]
    public void Validate_UnknownStepReference_NamesStepAndReference()
    {
        var plan = Knowledge() with { Steps = [Step("retrieve", AgentNames.Retrieval), Step("synthesize", AgentNames.Synthesis, ["retreive"])] };

        _validator.Validate(plan).ShouldBe(["Step 'synthesize' depends on unknown step 'retreive'."]);
    }

    [Fact]
    public void Validate_EveryStepHasADependency_ReportsNoEntryStep()
    {
        var plan = new Plan { Steps = [Step("a", AgentNames.Retrieval, ["b"]), Step("b", AgentNames.Retrieval, ["a"])] };

        var errors = _validator.Validate(plan);

        errors.ShouldContain("The plan has no entry step: every step depends on another one.");
        errors.ShouldContain(e => e.Contains("cycle"));
    }

    [Fact]
    public void Validate_UnknownAgent_ListsKnownAgents()
    {
        var plan = new Plan { Steps = [Step("search", "web_search")] };

        _validator.Validate(plan).ShouldHaveSingleItem().ShouldBe(
            "Step 'search': unknown agent 'web_search' (known: citation, follow_up_retrieval, reasoning, retrieval, synthesis).");
    }

    [Theory]
    [InlineData("""{}""", "Step 'retrieve': input 'query' is required")]
    [InlineData("""{"query": 42}""", "Step 'retrieve': input 'query' must be a string, not a number.")]
    [InlineData("""{"query": "  "}""", "Step 'retrieve': input 'query' must not be empty.")]
    [InlineData("""{"query": "x", "k": 0}""", "Step 'retrieve': input 'k' is 0; it must be between 1 and 100.")]
    [InlineData("""{"query": "x", "k": 2.5}""", "Step 'retrieve': input 'k' must be an integer, not a number.")]
    [InlineData("""{"query": "x", "top": 3}""", "Step 'retrieve': unknown input 'top' (accepted: query, k, entity).")]
    public void Validate_InputsAgainstSchema_ReportEachProblem(string inputs, string expected)
    {
        var plan = new Plan { Steps = [Step("retrieve", AgentNames.Retrieval, inputs: inputs)] };

        _validator.Validate(plan).ShouldHaveSingleItem().ShouldStartWith(expected);
    }

    [Fact]
    public void Validate_DuplicateIdsAndBadTimeout_ReportsBoth()
    {
        var plan = new Plan
        {
            Steps = [Step("retrieve", AgentNames.Retrieval), Step("retrieve", AgentNames.Retrieval, policy: new StepPolicy(TimeoutMs: 0))],
        };

        var errors = _validator.Validate(plan);

        errors.ShouldContain("Step id 'retrieve' is used by more than one step.");
        errors.ShouldContain("Step 'retrieve': timeoutMs is 0; it must be between 1 and 600000.");
    }

    [Fact]
    public void Validate_EmptyPlan_IsRefused() => _validator.Validate(new Plan { Steps = [] }).ShouldBe(["The plan has no steps."]);

    [Fact]
    public void ThrowIfInvalid_InvalidPlan_ThrowsWithEveryError()
    {
        var plan = new Plan { Steps = [Step("x", "nope", ["y"])] };

        var ex = Should.Throw<PlanValidationException>(() => _validator.ThrowIfInvalid(plan));

        ex.Errors.Count.ShouldBe(3);
    }

    [Fact]
    public void Estimate_ParallelRetrievals_CountOnceOnTheCriticalPath()
    {
        var catalog = TestAgents.Catalog();
        var plan = new Plan
        {
            Steps =
            [
                Step("r1", AgentNames.Retrieval),
                Step("r2", AgentNames.Retrieval),
                Step("synthesize", AgentNames.Synthesis, ["r1", "r2"]),
                Step("cite", AgentNames.Citation, ["synthesize"], "{}"),
            ],
        };
        var estimator = new PlanEstimator(catalog, new ModelPricing(InputUsdPerMillionTokens: 1m, OutputUsdPerMillionTokens: 4m));

        var withModel = estimator.Estimate(plan, modelAvailable: true);
        var withoutModel = estimator.Estimate(plan, modelAvailable: false);

        // retrieval 5 ms (once: r1 and r2 overlap) + synthesis 3000 ms + citation 2 ms.
        withModel.ShouldBe(new PlanEstimate(1, 3000, 300, 0.0042m, 3007));
        withoutModel.ShouldBe(new PlanEstimate(0, 0, 0, 0m, 12));
    }

    [Fact]
    public void Shape_ComparisonPlan_GroupsParallelLevels()
    {
        var plan = new Plan
        {
            Steps = [Step("b", AgentNames.Retrieval), Step("a", AgentNames.Retrieval), Step("s", AgentNames.Synthesis, ["a", "b"]), Step("c", AgentNames.Citation, ["s"], "{}")],
        };

        PlanShape.Of(plan).ShouldBe("retrieval+retrieval > synthesis > citation");
        PlanShape.Normalize(" retrieval + retrieval → synthesis>citation").ShouldBe(PlanShape.Of(plan));
    }
}
