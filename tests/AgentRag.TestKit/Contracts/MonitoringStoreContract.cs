using AgentRag.Core;
using AgentRag.Core.Events;
using AgentRag.Core.Monitoring;
using AgentRag.Core.Usage;
using Shouldly;
using Xunit;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="IMonitoringStore"/> and <see cref="IAlertStore"/>: rollups are the exact sums of the raw
/// rows of their buckets and re-running a range replaces it; latency samples come from the event log; an anomaly is
/// stored once per subject; an alert is raised once per key and cooldown; settings and deliveries round-trip per tenant.
/// </summary>
public abstract class MonitoringStoreContract : BackendContract
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    private IMonitoringStore Store => Get<IMonitoringStore>();

    private IAlertStore Alerts => Get<IAlertStore>();

    [Fact]
    public async Task RollUpUsageAsync_RowsInBuckets_ExactSumsAndARerunFoldsInLateRows()
    {
        var usage = Get<IUsageStore>();
        await usage.RecordAsync(Row(TenantA, Noon.AddMinutes(1), "m1", "planner", cost: 5, failed: false));
        await usage.RecordAsync(Row(TenantA, Noon.AddMinutes(4), "m1", "planner", cost: 7, failed: true));
        await usage.RecordAsync(Row(TenantA, Noon.AddMinutes(6), "m1", null, cost: 11, failed: false));
        await usage.RecordAsync(Row(TenantB, Noon.AddMinutes(2), "m2", "planner", cost: 13, failed: false));

        (await Store.RollUpUsageAsync(Noon, Noon.AddMinutes(10))).ShouldBe(3);
        var rollups = await Store.ReadRollupsAsync(TenantA, Noon, Noon.AddHours(1));
        rollups.Count.ShouldBe(2);
        rollups[0].ShouldBe(new UsageRollup(TenantA, Noon, "m1", "planner", 2, 1, 200, 40, 0, 12, 500));
        rollups[1].ShouldBe(new UsageRollup(TenantA, Noon.AddMinutes(5), "m1", "", 1, 0, 100, 20, 0, 11, 250));

        await usage.RecordAsync(Row(TenantA, Noon.AddMinutes(3), "m1", "planner", cost: 100, failed: false));
        (await Store.RollUpUsageAsync(Noon, Noon.AddMinutes(5))).ShouldBe(2);
        (await Store.ReadRollupsAsync(TenantA, Noon, Noon.AddMinutes(5))).ShouldHaveSingleItem().CostNanoUsd.ShouldBe(112);
        (await Store.ReadRollupsAsync(null, Noon, Noon.AddHours(1))).Sum(r => r.Calls).ShouldBe(5);
        await Should.ThrowAsync<ArgumentException>(() => Store.RollUpUsageAsync(Noon.AddMinutes(1), Noon.AddMinutes(10)));
    }

    [Fact]
    public async Task RollUpUsageAsync_ChatAndEmbeddingCalls_EmbeddingShareOfTheCostKeptApart()
    {
        var usage = Get<IUsageStore>();
        await usage.RecordAsync(Row(TenantA, Noon.AddMinutes(1), "m1", null, cost: 5, failed: false));
        await usage.RecordAsync(Row(TenantA, Noon.AddMinutes(2), "m1", null, cost: 7, failed: false) with { Operation = UsageOperations.Embedding });

        await Store.RollUpUsageAsync(Noon, Noon.AddMinutes(5));

        var rollup = (await Store.ReadRollupsAsync(TenantA, Noon, Noon.AddMinutes(5))).ShouldHaveSingleItem();
        rollup.CostNanoUsd.ShouldBe(12);
        rollup.EmbeddingCostNanoUsd.ShouldBe(7);
    }

    [Fact]
    public async Task ListWorkflowErrorsAsync_ErrorEventsOfTwoTenants_TheTenantsInRangeNewestFirst()
    {
        var events = Get<IEventLog>();
        Clock.Advance(Noon - Clock.GetUtcNow());
        await events.AppendAsync(TenantA, "workflow:wf_1", "plan", "{}");
        await events.AppendAsync(TenantA, "workflow:wf_1", "error", """{"workflowId":"wf_1","code":"step_failed","message":"first"}""");
        Clock.Advance(TimeSpan.FromMinutes(1));
        await events.AppendAsync(TenantA, "workflow:wf_2", "error", """{"workflowId":"wf_2","code":"cancelled","message":"second"}""");
        await events.AppendAsync(TenantB, "workflow:wf_3", "error", """{"workflowId":"wf_3","code":"step_failed","message":"theirs"}""");
        Clock.Advance(TimeSpan.FromMinutes(1));
        await events.AppendAsync(TenantA, "workflow:wf_4", "error", """{"workflowId":"wf_4","code":"step_failed","message":"later"}""");

        var errors = await Store.ListWorkflowErrorsAsync(TenantA, Noon, Noon.AddMinutes(2), 10);

        errors.Select(e => e.StreamId).ShouldBe(["workflow:wf_2", "workflow:wf_1"]);
        errors[1].Sequence.ShouldBe(2);
        errors[1].Data.ShouldContain("first");
        errors[1].Timestamp.ShouldBe(Noon);
        (await Store.ListWorkflowErrorsAsync(TenantA, Noon, Noon.AddHours(1), 1)).ShouldHaveSingleItem().StreamId.ShouldBe("workflow:wf_4");
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Store.ListWorkflowErrorsAsync(TenantA, Noon, Noon.AddHours(1), 0));
    }

    [Fact]
    public async Task ReadLatencySamplesAsync_FinishedWorkflow_QueryTimeToFirstTokenAndStepDuration()
    {
        var events = Get<IEventLog>();
        Clock.Advance(Noon - Clock.GetUtcNow());
        await events.AppendAsync(TenantA, "workflow:wf_1", "plan", "{}");
        Clock.Advance(TimeSpan.FromSeconds(2));
        await events.AppendAsync(TenantA, "workflow:wf_1", "token", """{"stepId":"s1","agent":"synthesis","attempt":1,"text":"A"}""");
        Clock.Advance(TimeSpan.FromSeconds(1));
        await events.AppendAsync(TenantA, "workflow:wf_1", "step.completed", """{"stepId":"s1","agent":"synthesis","durationMs":1500.5}""");
        Clock.Advance(TimeSpan.FromSeconds(1));
        await events.AppendAsync(TenantA, "workflow:wf_1", "done", "{}");
        await events.AppendAsync(TenantB, "workflow:wf_2", "plan", "{}"); // unfinished: no sample

        var samples = await Store.ReadLatencySamplesAsync(Noon, Noon.AddMinutes(15));

        samples.OrderBy(s => s.Metric, StringComparer.Ordinal).ShouldBe(
        [
            new LatencySample(TenantA, LatencyMetrics.Query, "", 4000),
            new LatencySample(TenantA, LatencyMetrics.Step, "synthesis", 1500.5),
            new LatencySample(TenantA, LatencyMetrics.TimeToFirstToken, "", 2000),
        ]);
        (await Store.ReadLatencySamplesAsync(Noon.AddMinutes(15), Noon.AddMinutes(30))).ShouldBeEmpty();
    }

    [Fact]
    public async Task WatermarksPercentilesAnomaliesAndReports_RoundTripIdempotently()
    {
        (await Store.GetWatermarkAsync("job")).ShouldBeNull();
        await Store.SetWatermarkAsync("job", Noon);
        await Store.SetWatermarkAsync("job", Noon.AddMinutes(5));
        (await Store.GetWatermarkAsync("job")).ShouldBe(Noon.AddMinutes(5));

        var p = new LatencyPercentiles(TenantA, Noon, LatencyMetrics.Query, "", 3, 10, 20, 30);
        await Store.SavePercentilesAsync([p]);
        await Store.SavePercentilesAsync([p with { Count = 4 }]);
        (await Store.ReadPercentilesAsync(TenantA, Noon, Noon.AddHours(1))).ShouldHaveSingleItem().Count.ShouldBe(4);
        (await Store.ReadPercentilesAsync(TenantB, Noon, Noon.AddHours(1))).ShouldBeEmpty();

        var anomaly = new Anomaly(Ids.New("anm"), TenantA, Noon, "error_rate", "", 0.75, 0.025, 0, 0.125, 40, """{"median":0.025}""", Noon.AddMinutes(65));
        (await Store.TryAddAnomalyAsync(anomaly)).ShouldBeTrue();
        (await Store.TryAddAnomalyAsync(anomaly with { Id = Ids.New("anm") })).ShouldBeFalse();
        (await Store.ListAnomaliesAsync(null, Noon, Noon.AddHours(1))).ShouldHaveSingleItem().ShouldBe(anomaly);

        var day = DateOnly.FromDateTime(Noon.UtcDateTime);
        await Store.SaveCostReportAsync(new CostReport(TenantA, day, "{}", "text", "<p>", Noon));
        await Store.SaveCostReportAsync(new CostReport(TenantA, day, """{"v":2}""", "text 2", "<p>2", Noon.AddHours(1)));
        (await Store.GetCostReportAsync(TenantA, day)).ShouldBe(new CostReport(TenantA, day, """{"v":2}""", "text 2", "<p>2", Noon.AddHours(1)));
        (await Store.GetCostReportAsync(TenantB, day)).ShouldBeNull();
    }

    [Fact]
    public async Task TryRaiseAsync_SameKeyWithinCooldown_RaisedOnceAndDeliveriesAppend()
    {
        AlertRecord Alert(DateTimeOffset at, string tenant = TenantA) =>
            new(Ids.New("alr"), tenant, AlertKinds.Anomaly, "anomaly:error_rate:", AlertSeverity.Warning, "title", "detail", at, []);

        var first = Alert(Noon);
        (await Alerts.TryRaiseAsync(first, Noon.AddHours(-6))).ShouldBeTrue();
        (await Alerts.TryRaiseAsync(Alert(Noon.AddHours(1)), Noon.AddHours(1).AddHours(-6))).ShouldBeFalse();
        (await Alerts.TryRaiseAsync(Alert(Noon.AddHours(1), TenantB), Noon.AddHours(-5))).ShouldBeTrue();
        var later = Alert(Noon.AddHours(7));
        (await Alerts.TryRaiseAsync(later, Noon.AddHours(1))).ShouldBeTrue();

        var delivery = new AlertDelivery("slack:hooks.example", true, 2, null, Noon.AddSeconds(3));
        await Alerts.AddDeliveryAsync(TenantA, first.Id, delivery);
        await Alerts.AddDeliveryAsync(TenantA, first.Id, delivery with { Channel = "email", Delivered = false, Error = "refused" });
        await Alerts.AddDeliveryAsync(TenantB, first.Id, delivery); // another tenant's id: nothing

        var listed = await Alerts.ListAsync(TenantA, null, null, 10);
        listed.Select(a => a.Id).ShouldBe([later.Id, first.Id]);
        listed[1].Deliveries.ShouldBe([delivery, delivery with { Channel = "email", Delivered = false, Error = "refused" }]);
        (await Alerts.ListAsync(TenantA, Noon.AddHours(2), null, 10)).ShouldHaveSingleItem().Id.ShouldBe(later.Id);
        (await Alerts.ListAsync(TenantB, null, null, 10)).ShouldHaveSingleItem().Deliveries.ShouldBeEmpty();
    }

    [Fact]
    public async Task SaveSettingsAsync_PerTenant_ReplacesAndListsTheTenantAsActive()
    {
        (await Alerts.GetSettingsAsync(TenantA)).ShouldBeNull();
        await Alerts.SaveSettingsAsync(TenantA, """{"slack":[]}""", Noon);
        await Alerts.SaveSettingsAsync(TenantA, """{"emailRecipients":["a@b.c"]}""", Noon);
        (await Alerts.GetSettingsAsync(TenantA)).ShouldBe("""{"emailRecipients":["a@b.c"]}""");
        (await Alerts.GetSettingsAsync(TenantB)).ShouldBeNull();
        (await Store.ListActiveTenantsAsync(Noon, Noon.AddDays(1))).ShouldBe([TenantA]);
    }

    private static UsageRecord Row(string tenant, DateTimeOffset at, string model, string? agent, long cost, bool failed) => new()
    {
        Id = Ids.New("use"),
        Timestamp = at,
        TenantId = tenant,
        Agent = agent,
        Profile = "primary",
        Model = model,
        Operation = UsageOperations.Chat,
        InputTokens = 100,
        OutputTokens = 20,
        CostNanoUsd = cost,
        Latency = TimeSpan.FromMilliseconds(250),
        Outcome = failed ? UsageOutcome.Failed : UsageOutcome.Succeeded,
    };
}
