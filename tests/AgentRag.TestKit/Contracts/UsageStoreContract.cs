using AgentRag.Core;
using AgentRag.Core.Usage;
using Shouldly;
using Xunit;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="IUsageStore"/>: rows round-trip and are durable once recorded, ids are unique, every
/// aggregate equals the exact sum of the rows it matches, and reads keep to their tenant unless asked for all.
/// </summary>
public abstract class UsageStoreContract : BackendContract
{
    private static readonly DateTimeOffset Day1 = new(2025, 3, 14, 10, 0, 0, TimeSpan.Zero);

    private IUsageStore Store => Get<IUsageStore>();

    [Fact]
    public async Task RecordAsync_ThenList_RoundTripsEveryFieldAfterARestart()
    {
        var record = Row(TenantA, Day1, cost: 123_456_789) with
        {
            UserId = "alice",
            SessionId = "ses-1",
            StepId = "s2",
            PromptId = "synthesis",
            PromptVersion = "3",
            CachedTokens = 40,
            Estimated = true,
            Latency = TimeSpan.FromMilliseconds(812.5),
            Outcome = UsageOutcome.Failed,
            Error = "HTTP 503",
            RoutingReason = "budget downgrade",
        };

        await Store.RecordAsync(record);
        await ReopenAsync();

        (await Store.ListAsync(new UsageListQuery(TenantA))).ShouldHaveSingleItem().ShouldBe(record);
    }

    [Fact]
    public async Task RecordAsync_SameIdTwice_FailsAndKeepsTheFirst()
    {
        var record = Row(TenantA, Day1, cost: 10);
        await Store.RecordAsync(record);

        await Should.ThrowAsync<Exception>(() => Store.RecordAsync(record with { CostNanoUsd = 99 }));

        (await Store.ListAsync(new UsageListQuery(TenantA))).ShouldHaveSingleItem().CostNanoUsd.ShouldBe(10);
    }

    [Fact]
    public async Task ListAsync_TenantWindowAndLimit_NewestFirst()
    {
        var rows = new List<UsageRecord>();
        for (var i = 0; i < 5; i++)
        {
            var row = Row(i == 2 ? TenantB : TenantA, Day1.AddHours(i), cost: i);
            rows.Add(row);
            await Store.RecordAsync(row);
        }

        (await Store.ListAsync(new UsageListQuery(TenantA))).Select(r => r.Id).ShouldBe([rows[4].Id, rows[3].Id, rows[1].Id, rows[0].Id]);
        (await Store.ListAsync(new UsageListQuery(null, Limit: 2))).Select(r => r.Id).ShouldBe([rows[4].Id, rows[3].Id]);
        (await Store.ListAsync(new UsageListQuery(TenantA, Day1.AddHours(1), Day1.AddHours(4)))).Select(r => r.Id).ShouldBe([rows[3].Id, rows[1].Id]);
        (await Store.ListAsync(new UsageListQuery("tenant-none"))).ShouldBeEmpty();
    }

    [Fact]
    public async Task QueryAsync_EveryGrouping_GroupsSumExactlyToTheTotalsOfTheMatchedRows()
    {
        var rows = new List<UsageRecord>();
        var random = new Random(7);
        string[] agents = ["planner", "synthesis", "retrieval"];
        for (var i = 0; i < 24; i++)
        {
            var row = Row(i % 3 == 0 ? TenantB : TenantA, Day1.AddHours(i * 3), cost: random.NextInt64(0, 5_000_000_000)) with
            {
                Agent = agents[i % 3],
                Model = i % 2 == 0 ? "gpt-primary" : "gpt-cheap",
                Profile = i % 2 == 0 ? "primary" : "cheap",
                SessionId = i % 4 == 0 ? null : $"ses-{i % 4}",
                WorkflowId = $"wf_{i % 5}",
                PromptId = i % 2 == 0 ? "synthesis" : null,
                PromptVersion = i % 2 == 0 ? "2" : null,
                InputTokens = random.Next(1, 50_000),
                OutputTokens = random.Next(1, 4_000),
                CachedTokens = random.Next(0, 10),
                Outcome = i % 7 == 0 ? UsageOutcome.Failed : UsageOutcome.Succeeded,
                Estimated = i % 5 == 0,
            };
            rows.Add(row);
            await Store.RecordAsync(row);
        }

        foreach (var groupBy in Enum.GetValues<UsageGroupBy>())
        {
            var report = await Store.QueryAsync(new UsageQuery(TenantA, null, null, groupBy));
            var matched = rows.Where(r => r.TenantId == TenantA).ToList();
            report.Totals.Calls.ShouldBe(matched.Count, $"group by {groupBy}");
            report.Totals.FailedCalls.ShouldBe(matched.Count(r => r.Outcome != UsageOutcome.Succeeded));
            report.Totals.EstimatedCalls.ShouldBe(matched.Count(r => r.Estimated));
            report.Totals.InputTokens.ShouldBe(matched.Sum(r => r.InputTokens));
            report.Totals.OutputTokens.ShouldBe(matched.Sum(r => r.OutputTokens));
            report.Totals.CachedTokens.ShouldBe(matched.Sum(r => r.CachedTokens));
            report.Totals.CostNanoUsd.ShouldBe(matched.Sum(r => r.CostNanoUsd));
            report.Groups.Sum(g => g.Totals.Calls).ShouldBe(matched.Count, $"group by {groupBy}");
            report.Groups.Sum(g => g.Totals.CostNanoUsd).ShouldBe(report.Totals.CostNanoUsd, $"group by {groupBy}");
            report.Groups.Select(g => g.Totals.CostNanoUsd).ShouldBeInOrder(SortDirection.Descending, $"group by {groupBy}");
        }

        var byAgent = await Store.QueryAsync(new UsageQuery(null, null, null, UsageGroupBy.Agent));
        byAgent.Groups.Single(g => g.Key == "synthesis").Totals.OutputTokens.ShouldBe(rows.Where(r => r.Agent == "synthesis").Sum(r => r.OutputTokens));
        var bySession = await Store.QueryAsync(new UsageQuery(TenantA, null, null, UsageGroupBy.Session));
        bySession.Groups.Select(g => g.Key).ShouldContain((string?)null);
        var byDay = await Store.QueryAsync(new UsageQuery(null, Day1.AddDays(1).Date, null, UsageGroupBy.Day));
        byDay.Groups.Select(g => g.Key).ShouldBe(["2025-03-15", "2025-03-16", "2025-03-17"], ignoreOrder: true);
        byDay.Totals.Calls.ShouldBe(rows.Count(r => r.Timestamp >= new DateTimeOffset(2025, 3, 15, 0, 0, 0, TimeSpan.Zero)));
        var byPrompt = await Store.QueryAsync(new UsageQuery(TenantB, null, null, UsageGroupBy.Prompt));
        byPrompt.Groups.Select(g => g.Key).ShouldBe(["synthesis@2", null], ignoreOrder: true);
    }

    [Fact]
    public async Task CostAndTokenSums_ScopedToTheirTenantSessionWorkflowAndWindow()
    {
        await Store.RecordAsync(Row(TenantA, Day1, cost: 100) with { SessionId = "ses-1", WorkflowId = "wf_1", InputTokens = 10, OutputTokens = 5 });
        await Store.RecordAsync(Row(TenantA, Day1.AddHours(1), cost: 20) with { SessionId = "ses-1", WorkflowId = "wf_1", InputTokens = 3, OutputTokens = 2 });
        await Store.RecordAsync(Row(TenantA, Day1.AddDays(1), cost: 7) with { SessionId = "ses-2", WorkflowId = "wf_2", InputTokens = 1, OutputTokens = 1 });
        await Store.RecordAsync(Row(TenantB, Day1, cost: 1000) with { SessionId = "ses-1", WorkflowId = "wf_1", InputTokens = 500, OutputTokens = 500 });

        (await Store.GetTenantCostAsync(TenantA, Day1, Day1.AddDays(1))).ShouldBe(120);
        (await Store.GetTenantCostAsync(TenantA, Day1.AddHours(1), Day1.AddDays(2))).ShouldBe(27);
        (await Store.GetSessionCostAsync(TenantA, "ses-1")).ShouldBe(120);
        (await Store.GetSessionCostAsync(TenantA, "ses-unknown")).ShouldBe(0);
        (await Store.GetWorkflowTokensAsync(TenantA, "wf_1")).ShouldBe(20);
        (await Store.GetWorkflowTokensAsync(TenantB, "wf_1")).ShouldBe(1000);
        (await Store.GetWorkflowTokensAsync(TenantB, "wf_2")).ShouldBe(0);
    }

    [Fact]
    public async Task GetWorkflowCallsAsync_DistinctSortedPromptsAndChatModelsOfThatWorkflow()
    {
        await Store.RecordAsync(Row(TenantA, Day1, 1) with { WorkflowId = "wf_1", PromptId = "synthesis", PromptVersion = "2", Model = "gpt-primary" });
        await Store.RecordAsync(Row(TenantA, Day1, 1) with { WorkflowId = "wf_1", PromptId = "planner", PromptVersion = "1", Model = "gpt-cheap" });
        await Store.RecordAsync(Row(TenantA, Day1, 1) with { WorkflowId = "wf_1", PromptId = "synthesis", PromptVersion = "2", Model = "gpt-primary" });
        await Store.RecordAsync(Row(TenantA, Day1, 1) with { WorkflowId = "wf_1", Operation = UsageOperations.Embedding, Model = "embed-small" });
        await Store.RecordAsync(Row(TenantB, Day1, 1) with { WorkflowId = "wf_1", PromptId = "foreign", PromptVersion = "9", Model = "gpt-foreign" });

        var calls = await Store.GetWorkflowCallsAsync(TenantA, "wf_1");

        calls.Prompts.ShouldBe([("planner", "1"), ("synthesis", "2")]);
        calls.Models.ShouldBe(["gpt-cheap", "gpt-primary"]);
        var none = await Store.GetWorkflowCallsAsync(TenantA, "wf_none");
        none.Prompts.ShouldBeEmpty();
        none.Models.ShouldBeEmpty();
    }

    private static UsageRecord Row(string tenantId, DateTimeOffset at, long cost) => new()
    {
        Id = Ids.New("use"),
        Timestamp = at,
        TenantId = tenantId,
        WorkflowId = "wf_1",
        Agent = "synthesis",
        Profile = "primary",
        Model = "gpt-primary",
        Operation = UsageOperations.Chat,
        InputTokens = 100,
        OutputTokens = 20,
        CostNanoUsd = cost,
        Latency = TimeSpan.FromMilliseconds(250),
    };
}
