using AgentRag.Agents.Approvals;
using AgentRag.Agents.Planning;
using AgentRag.Agents.Plans;
using AgentRag.Agents.Tests.Support;
using AgentRag.Agents.Tools;
using AgentRag.Core.Approvals;
using Microsoft.Extensions.Options;

namespace AgentRag.Agents.Tests.Approvals;

public sealed class ApprovalPolicyTests
{
    private static readonly AgentCatalog Catalog = new([.. TestAgents.Catalog().Descriptors.Select(d => TestAgents.Catalog().Get(d.Name)), new ToolAgent(new RecordingTools())]);
    private readonly RuleBasedPlanner _rules = new(new AgentsOptions());

    /// <summary>The rule-based plan of <paramref name="query"/>, estimated at $3/$15 per million tokens.</summary>
    private Plan Estimated(string query, bool model = true)
    {
        var plan = _rules.Plan(query).Plan;
        return plan with { Estimate = new PlanEstimator(Catalog, new ModelPricing(3m, 15m)).Estimate(plan, model) };
    }

    private static ApprovalPolicy Policy(ApprovalOptions options) => new(Catalog, options, new RecordingTools());

    private static IEnumerable<string> Gated(ApprovalGates gates) =>
        gates.Plan.Steps.Where(s => s.Policy.RequiresApproval).Select(s => s.Id);

    [Fact]
    public void Apply_EstimateAboveTheCostThreshold_GatesOnlyTheFirstModelStep()
    {
        var plan = Estimated("How do I assign a value to a variable in R?");
        plan.Estimate.CostUsd.ShouldBe(0.0135m); // 3,000 in and 300 out

        var gates = Policy(new ApprovalOptions { CostThresholdUsd = 0.01m }).Apply(plan, "default", ApprovalCheckpoint.None, modelUsed: true);
        var cheaper = Policy(new ApprovalOptions { CostThresholdUsd = 0.02m }).Apply(plan, "default", ApprovalCheckpoint.None, modelUsed: true);

        Gated(gates).ShouldBe(["synthesize"]);
        gates.Reasons["synthesize"].ShouldBe([ApprovalReasons.Cost]);
        Gated(cheaper).ShouldBeEmpty();
        cheaper.Plan.Steps.ShouldBe(plan.Steps);
        new ApprovalRequestBuilder(Policy(new ApprovalOptions { CostThresholdUsd = 0.01m }), new ApprovalOptions { CostThresholdUsd = 0.01m })
            .Build(new ApprovalRequestInput("default", "wf_0000000000000000", "q", gates.Plan, gates.Plan.Find("synthesize")!, [ApprovalReasons.Cost], [], DateTimeOffset.UnixEpoch))
            .Rationale.ShouldStartWith("The plan's estimated cost, $0.0135 (1 model call(s)), exceeds the threshold of $0.01; this is its first model step.");
    }

    [Fact]
    public void Apply_ComparisonWithReviewingTenant_GatesTheAnswerStepForThatTenantOnly()
    {
        var options = new ApprovalOptions { Tenants = { ["careful"] = new TenantApprovalOptions { RequireReview = true } } };
        var plan = Estimated("Compare /tmp and /var/tmp");

        var careful = Policy(options).Apply(plan, "careful", ApprovalCheckpoint.None, modelUsed: false);
        var other = Policy(options).Apply(plan, "default", ApprovalCheckpoint.None, modelUsed: false);

        Gated(careful).ShouldBe(["synthesize"]);
        careful.Reasons["synthesize"].ShouldBe([ApprovalReasons.TenantReview]);
        Gated(other).ShouldBeEmpty();
    }

    [Fact]
    public void Apply_ArithmeticBeforeAnswer_GatesTheReasoningStep()
    {
        var gates = Policy(new ApprovalOptions()).Apply(Estimated("What is 12 * 7?"), "default", ApprovalCheckpoint.BeforeAnswer, modelUsed: false);

        Gated(gates).ShouldBe(["reason"]);
        gates.Reasons["reason"].ShouldBe([ApprovalReasons.BeforeAnswer]);
    }

    [Fact]
    public void Apply_ToolSteps_SideEffectingAndUnknownToolsGatedReadOnlyNot()
    {
        var plan = new Plan
        {
            Steps =
            [
                RecordingTools.Step("send", "send_note", "hi"),
                RecordingTools.Step("look", "lookup", "hi"),
                RecordingTools.Step("mystery", "drop_database", "hi"),
                RecordingTools.Step("planned", "lookup", "hi") with { Policy = new StepPolicy(RequiresApproval: true) },
            ],
        };

        var gates = Policy(new ApprovalOptions()).Apply(plan, "default", ApprovalCheckpoint.None, modelUsed: false);

        Gated(gates).ShouldBe(["send", "mystery", "planned"]);
        gates.Reasons["send"].ShouldBe([ApprovalReasons.SideEffects]);
        gates.Reasons["planned"].ShouldBe([ApprovalReasons.Planner]);
        new PlanValidator(Catalog).Validate(gates.Plan).ShouldBeEmpty();
        var builder = new ApprovalRequestBuilder(Policy(new ApprovalOptions()), new ApprovalOptions(), new RecordingTools());
        var mystery = builder.Build(new ApprovalRequestInput("default", "wf_0000000000000000", "q", gates.Plan, gates.Plan.Find("mystery")!, gates.Reasons["mystery"], [], DateTimeOffset.UnixEpoch));
        (mystery.SuggestedDecision, mystery.Risk).ShouldBe((ApprovalDecision.Reject, ApprovalRisk.High));
        mystery.Rationale.ShouldStartWith("The tool 'drop_database' is not in the registry now, so its side effects cannot be ruled out.");
        var send = builder.Build(new ApprovalRequestInput("default", "wf_0000000000000000", "q", gates.Plan, gates.Plan.Find("send")!, gates.Reasons["send"], [], DateTimeOffset.UnixEpoch));
        send.SuggestedDecision.ShouldBe(ApprovalDecision.Approve);
        send.Id.ShouldBe(ApprovalRequestBuilder.IdFor("default", "wf_0000000000000000", "send"));
        send.Id.ShouldNotBe(mystery.Id);
    }

    [Fact]
    public void Apply_ReasoningStepsListingTools_GatedWhenAListedToolHasSideEffects()
    {
        var tools = new RecordingTools().List("default");
        var sending = _rules.Plan("Send note: the build is green", tools).Plan;
        var lookup = _rules.Plan("Send note: the build is green", tools).Plan with
        {
            Steps = [sending.Steps[0] with { Inputs = new Dictionary<string, System.Text.Json.JsonElement>(sending.Steps[0].Inputs) { ["tools"] = System.Text.Json.JsonSerializer.SerializeToElement(new[] { "lookup" }) } }],
        };

        var gates = Policy(new ApprovalOptions()).Apply(sending, "default", ApprovalCheckpoint.None, modelUsed: true);

        Gated(gates).ShouldBe(["reason"]);
        gates.Reasons["reason"].ShouldBe([ApprovalReasons.SideEffects]);
        Policy(new ApprovalOptions()).Explain(gates.Reasons["reason"], gates.Plan, gates.Plan.Steps[0], "default")
            .ShouldBe("The tool 'send_note' (notes) changes state outside the platform: it has side effects.");
        Gated(Policy(new ApprovalOptions()).Apply(lookup, "default", ApprovalCheckpoint.None, modelUsed: true)).ShouldBeEmpty();
    }

    [Fact]
    public void For_TenantOverrides_ReplaceTheDefaults()
    {
        var options = new ApprovalOptions
        {
            DefaultTimeout = TimeSpan.FromHours(2),
            WebhookUrl = new Uri("https://hooks.example/all"),
            WebhookSecret = "default-secret-0123",
            Tenants =
            {
                ["acme"] = new TenantApprovalOptions { Timeout = TimeSpan.FromMinutes(5), TimeoutPolicy = ApprovalTimeoutPolicy.Escalate, WebhookUrl = new Uri("https://acme.example/hook"), WebhookSecret = "acme-secret-0123456" },
            },
        };

        var acme = options.For("acme");
        var other = options.For("other");

        (acme.Timeout, acme.TimeoutPolicy, acme.Webhook!.Url.Host, acme.Webhook.Secret).ShouldBe((TimeSpan.FromMinutes(5), ApprovalTimeoutPolicy.Escalate, "acme.example", "acme-secret-0123456"));
        (other.Timeout, other.TimeoutPolicy, other.Webhook!.Url.Host).ShouldBe((TimeSpan.FromHours(2), ApprovalTimeoutPolicy.Reject, "hooks.example"));
    }

    [Fact]
    public void Validate_BadWebhooksAndTenantIds_FailNamingTheSetting()
    {
        var options = new ApprovalOptions
        {
            WebhookUrl = new Uri("ftp://hooks.example/x"),
            WebhookSecret = "short",
            Tenants =
            {
                ["bad tenant"] = new TenantApprovalOptions(),
                ["acme"] = new TenantApprovalOptions { WebhookUrl = new Uri("https://acme.example/hook"), Timeout = TimeSpan.Zero },
            },
        };

        var result = new ApprovalOptionsValidator().Validate(null, options);

        result.Failed.ShouldBeTrue();
        result.Failures.ShouldContain("AgentRag:Approvals:WebhookUrl 'ftp://hooks.example/x' must be an absolute http or https URL.");
        result.Failures.ShouldContain("AgentRag:Approvals:WebhookSecret must be at least 16 characters: it signs every webhook body (HMAC-SHA256).");
        result.Failures.ShouldContain("AgentRag:Approvals:Tenants:bad tenant: 'bad tenant' is not a tenant id (1–64 letters, digits, '-', '_' or '.', other than '.' and '..').");
        result.Failures.ShouldContain("AgentRag:Approvals:Tenants:acme:WebhookSecret must be at least 16 characters: it signs every webhook body (HMAC-SHA256).");
        result.Failures.ShouldContain(f => f.StartsWith("AgentRag:Approvals:Tenants:acme: The field Timeout must be between", StringComparison.Ordinal));
        new ApprovalOptionsValidator().Validate(null, new ApprovalOptions()).ShouldBe(ValidateOptionsResult.Success);
    }
}
