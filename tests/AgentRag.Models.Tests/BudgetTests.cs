using AgentRag.Models.Budgets;
using AgentRag.Models.Calls;
using AgentRag.TestKit.OpenAi;
using Microsoft.Extensions.AI;

namespace AgentRag.Models.Tests;

public sealed class BudgetTests
{
    /// <summary>$1 per 1M tokens in and out: 1,000 tokens cost $0.001.</summary>
    private static void PricedAtOneDollar(Dictionary<string, string?> settings)
    {
        foreach (var profile in new[] { "primary", "cheap", "fallback" })
        {
            settings[$"AgentRag:Models:Profiles:{profile}:InputPricePer1M"] = "1";
            settings[$"AgentRag:Models:Profiles:{profile}:OutputPricePer1M"] = "1";
        }

        settings["AgentRag:Models:Profiles:cheap:InputPricePer1M"] = "0.1";
        settings["AgentRag:Models:Profiles:cheap:OutputPricePer1M"] = "0.1";
    }

    [Fact]
    public async Task GetResponse_TenantDailyBudgetSpent_RejectsBeforeCallingWithBudgetAndResetTime()
    {
        await using var harness = await ModelHarness.StartAsync(settings =>
        {
            PricedAtOneDollar(settings);
            settings["AgentRag:Models:Budgets:MaxUsdPerTenantPerDay"] = "0.01";
        });
        // 9,000 + 900 tokens = $0.0099 spent.
        harness.Server.Chat.Enqueue(ScriptedResponse.Reply("first", new ScriptedUsage(9_000, 900)));
        await harness.Chat.GetResponseAsync(ModelHarness.Ask("first"), new ChatOptions { MaxOutputTokens = 100 });

        var error = await Should.ThrowAsync<BudgetExceededException>(() =>
            harness.Chat.GetResponseAsync(ModelHarness.Ask("second"), new ChatOptions { MaxOutputTokens = 100 }));

        error.Budget.ShouldBe(BudgetNames.TenantDailyUsd);
        error.Setting.ShouldBe("AgentRag:Models:Budgets:MaxUsdPerTenantPerDay");
        error.Limit.ShouldBe(0.01m);
        error.Used.ShouldBe(0.0099m);
        error.ResetsAt.ShouldBe(new DateTimeOffset(2025, 3, 15, 0, 0, 0, TimeSpan.Zero));
        error.Message.ShouldContain("It resets at 2025-03-15T00:00:00Z");
        harness.Server.Count("chat").ShouldBe(1);
        (await harness.UsageRowsAsync()).Count.ShouldBe(1);

        // Another tenant has its own budget, and the next day starts afresh.
        await harness.Chat.GetResponseAsync(ModelHarness.Ask("other"), new ChatOptions { MaxOutputTokens = 100 }.WithContext(new ModelCallContext { TenantId = "other" }));
        harness.Clock.Advance(TimeSpan.FromDays(1));
        await harness.Chat.GetResponseAsync(ModelHarness.Ask("tomorrow"), new ChatOptions { MaxOutputTokens = 100 });
        harness.Server.Count("chat").ShouldBe(3);
    }

    [Fact]
    public async Task GenerateEmbeddings_TenantDailyBudgetSpent_RejectsBeforeCallingWhateverThePolicy()
    {
        await using var harness = await ModelHarness.StartAsync(settings =>
        {
            PricedAtOneDollar(settings);
            settings["AgentRag:Models:Profiles:embedding:InputPricePer1M"] = "1";
            settings["AgentRag:Models:Budgets:MaxUsdPerTenantPerDay"] = "0.01";
            settings["AgentRag:Models:Budgets:OnExceeded"] = "Downgrade"; // no cheaper embedding model: still refused
        });
        // A chat call reports 9,000 + 1,000 tokens: the day's $0.01 is spent.
        harness.Server.Chat.Enqueue(ScriptedResponse.Reply("first", new ScriptedUsage(9_000, 1_000)));
        await harness.Chat.GetResponseAsync(ModelHarness.Ask("first"), new ChatOptions { MaxOutputTokens = 100 });
        await harness.Embeddings.GenerateAsync(["fits: another tenant"], new EmbeddingGenerationOptions().WithContext(new ModelCallContext { TenantId = "other" }));
        var embeddingCalls = harness.Server.Count("embeddings");

        var error = await Should.ThrowAsync<BudgetExceededException>(() => harness.Embeddings.GenerateAsync(["a chunk of text to embed"]));

        error.Budget.ShouldBe(BudgetNames.TenantDailyUsd);
        error.Message.ShouldContain("It resets at 2025-03-15T00:00:00Z");
        harness.Server.Count("embeddings").ShouldBe(embeddingCalls); // refused before the call
        embeddingCalls.ShouldBe(1);
    }

    [Fact]
    public async Task GetResponse_OverBudgetWithDowngrade_RunsOnCheapWithWarningAndEvent()
    {
        await using var harness = await ModelHarness.StartAsync(settings =>
        {
            PricedAtOneDollar(settings);
            settings["AgentRag:Models:Budgets:MaxUsdPerSession"] = "0.002";
            settings["AgentRag:Models:Budgets:OnExceeded"] = "Downgrade";
        });
        var sink = new RecordingEventSink();
        var context = new ModelCallContext { SessionId = "sess_1", Events = sink };
        // $0.00195 spent; the next call's estimate (about 8 input + 200 output tokens) takes the session past $0.002.
        harness.Server.Chat.Enqueue(ScriptedResponse.Reply("first", new ScriptedUsage(1_900, 50)));
        await harness.Chat.GetResponseAsync(ModelHarness.Ask("first"), new ChatOptions { MaxOutputTokens = 200 }.WithContext(context));

        var response = await harness.Chat.GetResponseAsync(ModelHarness.Ask("second"), new ChatOptions { MaxOutputTokens = 200 }.WithContext(context));

        harness.Server.Requests.Select(r => r.Model).ShouldBe(["gpt-primary", "gpt-cheap"]);
        response.GetWarnings().Single().ShouldContain("Budget 'session-usd' would be exceeded on 'primary'; answered with the cheap model (gpt-cheap)");
        sink.Events.Select(e => e.Type).ShouldContain(ModelEventTypes.BudgetDowngrade);
        var rows = await harness.UsageRowsAsync();
        rows.Single(r => r.Profile == "cheap").RoutingReason.ShouldBe("budget downgrade: session-usd");
    }

    [Fact]
    public async Task GetStreamingResponse_Downgraded_FirstUpdateCarriesTheWarning()
    {
        await using var harness = await ModelHarness.StartAsync(settings =>
        {
            PricedAtOneDollar(settings);
            settings["AgentRag:Models:Budgets:MaxTokensPerRequest"] = "100000";
            // About 56 tokens: $0.000056 on primary, $0.0000056 on cheap.
            settings["AgentRag:Models:Budgets:MaxUsdPerTenantPerMonth"] = "0.00003";
            settings["AgentRag:Models:Budgets:OnExceeded"] = "Downgrade";
        });

        var updates = await harness.Chat.GetStreamingResponseAsync(ModelHarness.Ask("hi"), new ChatOptions { MaxOutputTokens = 50 }).ToListAsync();

        updates[0].GetWarnings().Single().ShouldContain("tenant-monthly-usd");
        string.Concat(updates.Select(u => u.Text)).ShouldBe("Echo: hi");
        harness.Server.Requests.Single().Model.ShouldBe("gpt-cheap");
    }

    [Fact]
    public async Task GetResponse_Crossing90Percent_EmitsBudgetWarningOnce()
    {
        await using var harness = await ModelHarness.StartAsync(settings =>
        {
            PricedAtOneDollar(settings);
            settings["AgentRag:Models:Budgets:MaxUsdPerTenantPerDay"] = "0.01";
        });
        var sink = new RecordingEventSink();
        var options = new ChatOptions { MaxOutputTokens = 100 }.WithContext(new ModelCallContext { WorkflowId = "wf_w", Events = sink });
        harness.Server.Chat.Enqueue(ScriptedResponse.Reply("a", new ScriptedUsage(5_000, 0)));
        harness.Server.Chat.Enqueue(ScriptedResponse.Reply("b", new ScriptedUsage(4_000, 0)));
        harness.Server.Chat.Enqueue(ScriptedResponse.Reply("c", new ScriptedUsage(500, 0)));

        await harness.Chat.GetResponseAsync(ModelHarness.Ask("a"), options); // 0 + est. < 90%
        sink.Events.ShouldBeEmpty();
        await harness.Chat.GetResponseAsync(ModelHarness.Ask("b"), options); // $0.005 spent + est. $0.0001 < 90%
        sink.Events.ShouldBeEmpty();
        await harness.Chat.GetResponseAsync(ModelHarness.Ask("c"), options); // $0.009 + est. ≥ 90%
        await harness.Chat.GetResponseAsync(ModelHarness.Ask("d"), options); // $0.0095 + est.: still ≥ 90%, no second warning

        var warning = sink.Events.Single();
        warning.Type.ShouldBe(ModelEventTypes.BudgetWarning);
        warning.Data["budget"].ShouldBe(BudgetNames.TenantDailyUsd);
        warning.Message.ShouldContain("Budget 'tenant-daily-usd' for tenant 'default' on 2025-03-14 is at 9");
        harness.Logs.All.ShouldContain("budget.warning");
    }

    [Fact]
    public async Task GetResponse_RequestTokenBudgetHitMidWorkflow_StopsTheWorkflowsLaterCalls()
    {
        await using var harness = await ModelHarness.StartAsync(settings => settings["AgentRag:Models:Budgets:MaxTokensPerRequest"] = "1700");
        var workflow = new ModelCallContext { WorkflowId = "wf_budget", TenantId = "acme" };
        // Each step uses 800 tokens; a step's estimate is about 107 (its prompt plus MaxOutputTokens 100): the third does not fit in 1,700.
        harness.Server.Chat.Enqueue(2, () => ScriptedResponse.Reply("step", new ScriptedUsage(700, 100)));
        var step = new ChatOptions { MaxOutputTokens = 100 };

        await harness.Chat.GetResponseAsync(ModelHarness.Ask("plan"), step.WithContext(workflow with { StepId = "plan" }));
        await harness.Chat.GetResponseAsync(ModelHarness.Ask("retrieve"), step.WithContext(workflow with { StepId = "retrieve" }));
        var error = await Should.ThrowAsync<BudgetExceededException>(() =>
            harness.Chat.GetResponseAsync(ModelHarness.Ask("synthesize"), step.WithContext(workflow with { StepId = "synthesize" })));

        error.Budget.ShouldBe(BudgetNames.RequestTokens);
        error.Used.ShouldBe(1600);
        error.ResetsAt.ShouldBeNull();
        error.Scope.ShouldBe("workflow 'wf_budget'");
        harness.Server.Count("chat").ShouldBe(2);
        // Another workflow of the same tenant is unaffected.
        await harness.Chat.GetResponseAsync(ModelHarness.Ask("plan"), step.WithContext(workflow with { WorkflowId = "wf_other" }));
    }

    [Fact]
    public async Task GetResponse_BudgetRefusal_IsNotSentToTheFallback()
    {
        await using var harness = await ModelHarness.StartAsync(settings => settings["AgentRag:Models:Budgets:MaxTokensPerRequest"] = "10");

        await Should.ThrowAsync<BudgetExceededException>(() => harness.Chat.GetResponseAsync(ModelHarness.Ask("a question longer than ten tokens, surely")));

        harness.Server.Requests.ShouldBeEmpty();
    }
}
