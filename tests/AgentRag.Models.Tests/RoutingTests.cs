using AgentRag.Models.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Models.Tests;

public sealed class RoutingTests
{
    [Theory]
    [InlineData("What does FHS say /var/tmp is for?", "cheap", "simple")]
    [InlineData("Compare /tmp and /var/tmp: how long are files kept?", "primary", "comparison marker 'compare'")]
    [InlineData("What is the difference between R-intro and R-data on importing CSV files?", "primary", "comparison marker 'difference between'")]
    [InlineData("Which of the functions read.table and scan handles both quoted fields and comments?", "primary", "multi-hop marker")]
    [InlineData("Where is the menu file stored? Who reads it?", "primary", "2 questions")]
    public async Task Route_Query_PicksProfileWithReason(string query, string profile, string reasonPart)
    {
        await using var harness = await ModelHarness.StartAsync();

        var decision = harness.Services.GetRequiredService<ModelRouter>().Route(new RoutingRequest(query));

        decision.Profile.ShouldBe(profile);
        decision.Reason.ShouldContain(reasonPart);
        decision.Overridden.ShouldBeFalse();
    }

    [Fact]
    public async Task Route_LongQueryOrLargePlan_IsComplex()
    {
        await using var harness = await ModelHarness.StartAsync();
        var router = harness.Services.GetRequiredService<ModelRouter>();
        var longQuery = string.Join(' ', Enumerable.Repeat("word", ModelRouter.LongQueryWords + 1));

        router.Route(new RoutingRequest(longQuery)).Reason.ShouldContain("long query (26 words)");
        router.Route(new RoutingRequest("What is gnuplot?", PlanSteps: 3)).Reason.ShouldContain("plan of 3 steps");
        router.Route(new RoutingRequest("What is gnuplot?", PlanSteps: 2)).Profile.ShouldBe("cheap");
    }

    [Fact]
    public async Task Route_RequestedModel_OverridesByProfileNameOrModelId()
    {
        await using var harness = await ModelHarness.StartAsync();
        var router = harness.Services.GetRequiredService<ModelRouter>();

        var byName = router.Route(new RoutingRequest("Compare a and b", RequestedModel: "cheap"));
        var byModel = router.Route(new RoutingRequest("What is x?", RequestedModel: "gpt-primary"));

        (byName.Profile, byName.Overridden, byName.IsComplex).ShouldBe(("cheap", true, true));
        byName.Reason.ShouldBe("requested model 'cheap'");
        byModel.Profile.ShouldBe("primary");
        var error = Should.Throw<ModelUnavailableException>(() => router.Route(new RoutingRequest("x", RequestedModel: "gpt-9")));
        error.Message.ShouldContain("The requested model 'gpt-9' is not configured");
    }

    [Fact]
    public async Task Route_NoCheapProfile_SendsSimpleQueriesToPrimary()
    {
        await using var harness = await ModelHarness.StartAsync(settings => settings["AGENTRAG_CHEAP_MODEL"] = null);

        var decision = harness.Services.GetRequiredService<ModelRouter>().Route(new RoutingRequest("What is gnuplot?"));

        decision.Profile.ShouldBe("primary");
        decision.Reason.ShouldBe("simple, but no cheap profile is configured");
    }
}
