using AgentRag.Core.Usage;
using AgentRag.Models.Calls;
using AgentRag.TestKit.OpenAi;
using Microsoft.Extensions.AI;

namespace AgentRag.Models.Tests;

public sealed class UsageAggregationTests
{
    [Fact]
    public async Task Query_EveryGrouping_SumsEqualTheRecordedCallsExactly()
    {
        await using var harness = await ModelHarness.StartAsync(settings =>
        {
            settings["AgentRag:Models:Profiles:primary:InputPricePer1M"] = "0.15";
            settings["AgentRag:Models:Profiles:primary:OutputPricePer1M"] = "0.6";
            settings["AgentRag:Models:Profiles:cheap:InputPricePer1M"] = "0.05";
            settings["AgentRag:Models:Profiles:cheap:OutputPricePer1M"] = "0.2";
        });
        var random = new Random(7);
        (string Tenant, string Session, string Agent, string Profile)[] calls =
        [
            ("acme", "s1", "planner", "primary"),
            ("acme", "s1", "synthesis", "primary"),
            ("acme", "s2", "synthesis", "cheap"),
            ("globex", "s3", "planner", "cheap"),
            ("globex", "s3", "synthesis", "primary"),
        ];
        for (var day = 0; day < 2; day++)
        {
            foreach (var call in calls)
            {
                harness.Server.Chat.Enqueue(ScriptedResponse.Reply("x", new ScriptedUsage(random.Next(10, 5_000), random.Next(1, 900), random.Next(0, 10))));
                var options = new ChatOptions().WithProfile(call.Profile)
                    .WithContext(new ModelCallContext { TenantId = call.Tenant, SessionId = call.Session, Agent = call.Agent, WorkflowId = $"wf_{day}" });
                await harness.Chat.GetResponseAsync(ModelHarness.Ask("q"), options);
            }

            harness.Clock.Advance(TimeSpan.FromDays(1));
        }

        var rows = await harness.UsageRowsAsync();
        rows.Count.ShouldBe(10);
        rows.Sum(r => r.InputTokens).ShouldBe(harness.Server.ServedPromptTokens);
        rows.Sum(r => r.OutputTokens).ShouldBe(harness.Server.ServedCompletionTokens);
        rows.Sum(r => r.CachedTokens).ShouldBe(harness.Server.ServedCachedTokens);

        foreach (var groupBy in Enum.GetValues<UsageGroupBy>())
        {
            var report = await harness.Usage.QueryAsync(new UsageQuery(null, null, null, groupBy));
            report.Totals.Calls.ShouldBe(10);
            report.Totals.InputTokens.ShouldBe(rows.Sum(r => r.InputTokens));
            report.Totals.OutputTokens.ShouldBe(rows.Sum(r => r.OutputTokens));
            report.Totals.CostNanoUsd.ShouldBe(rows.Sum(r => r.CostNanoUsd));
            report.Groups.Sum(g => g.Totals.InputTokens).ShouldBe(report.Totals.InputTokens, $"group by {groupBy}");
            report.Groups.Sum(g => g.Totals.CostNanoUsd).ShouldBe(report.Totals.CostNanoUsd, $"group by {groupBy}");
        }

        var byAgent = await harness.Usage.QueryAsync(new UsageQuery("acme", null, null, UsageGroupBy.Agent));
        byAgent.Groups.Select(g => g.Key).ShouldBe(["planner", "synthesis"], ignoreOrder: true);
        byAgent.Groups.Single(g => g.Key == "synthesis").Totals.OutputTokens
            .ShouldBe(rows.Where(r => r.TenantId == "acme" && r.Agent == "synthesis").Sum(r => r.OutputTokens));
        var byDay = await harness.Usage.QueryAsync(new UsageQuery(null, null, null, UsageGroupBy.Day));
        byDay.Groups.Select(g => g.Key).ShouldBe(["2025-03-14", "2025-03-15"], ignoreOrder: true);
        var secondDay = await harness.Usage.QueryAsync(new UsageQuery("globex", new DateTimeOffset(2025, 3, 15, 0, 0, 0, TimeSpan.Zero), null, UsageGroupBy.Model));
        secondDay.Totals.Calls.ShouldBe(2);
        secondDay.Groups.Select(g => g.Key).ShouldBe(["gpt-cheap", "gpt-primary"], ignoreOrder: true);
        var byTenant = await harness.Usage.QueryAsync(new UsageQuery(null, null, null, UsageGroupBy.Tenant));
        byTenant.Groups.Single(g => g.Key == "globex").Totals.CostUsd.ShouldBe(rows.Where(r => r.TenantId == "globex").Sum(r => r.CostUsd));
    }

    [Fact]
    public async Task GetResponse_ProviderSendsNoUsage_EstimatesFlagsAndWarnsOnce()
    {
        await using var harness = await ModelHarness.StartAsync();
        harness.Server.Chat.Enqueue(ScriptedResponse.ReplyWithoutUsage("An answer of exactly forty characters.."));
        harness.Server.Chat.Enqueue(ScriptedResponse.ReplyWithoutUsage("Again."));

        var response = await harness.Chat.GetResponseAsync(ModelHarness.Ask("How many tokens?"));
        await harness.Chat.GetStreamingResponseAsync(ModelHarness.Ask("Stream without usage")).ToListAsync();

        response.Usage.ShouldBeNull();
        var rows = await harness.UsageRowsAsync();
        rows.ShouldAllBe(r => r.Estimated && r.Outcome == UsageOutcome.Succeeded);
        var chat = rows.Single(r => r.Operation == UsageOperations.Chat);
        chat.OutputTokens.ShouldBe(10); // 39 characters
        chat.InputTokens.ShouldBe(4 + 4); // message overhead + 16 characters
        harness.Logs.Entries.Count(e => e.Message.Contains("returned no usage data", StringComparison.Ordinal)).ShouldBe(1);
        harness.Logs.All.ShouldContain("AgentRag:Models:Profiles:primary:Endpoint");
    }

    [Fact]
    public async Task GetStreamingResponse_ConsumerStopsEarly_RecordsCancelledCall()
    {
        await using var harness = await ModelHarness.StartAsync();
        harness.Server.Chat.Enqueue(ScriptedResponse.Reply("one two three four five six"));

        await foreach (var update in harness.Chat.GetStreamingResponseAsync(ModelHarness.Ask("q")))
        {
            if (update.Text.Length > 0)
            {
                break;
            }
        }

        var row = (await harness.UsageRowsAsync()).Single();
        row.Outcome.ShouldBe(UsageOutcome.Cancelled);
        row.Estimated.ShouldBeTrue();
    }
}
