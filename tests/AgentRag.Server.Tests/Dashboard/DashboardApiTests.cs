using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.Agents.Workflows;
using AgentRag.Core.Documents;
using AgentRag.Core.Events;
using AgentRag.Core.Storage;
using AgentRag.Core.Usage;
using AgentRag.Server.Tests.Monitoring;
using AgentRag.TestKit;
using AgentRag.TestKit.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Server.Tests.Dashboard;

/// <summary>The admin dashboard's routes (<c>/v1/admin/*</c>, <c>/v1/errors</c>) on a server of its own on a manual clock.</summary>
public sealed class DashboardApiTests
{
    /// <summary>Tuesday 10 March 2026, noon UTC: the week began on Monday the 9th.</summary>
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task GetCosts_ChatAndEmbeddingUsageRolledUp_SplitsTodayWeekMonthAndForecastsLinearly()
    {
        using var server = new MonitoringServer(Now);
        // Sunday the 8th (last week), Monday the 9th (this week) and today; another tenant's spend never counts.
        await server.RecordAsync("acme", Now.AddDays(-2).AddHours(-1), costNanoUsd: 4_000_000_000, agent: "synthesis");
        await server.RecordAsync("acme", Now.AddDays(-1), costNanoUsd: 2_000_000_000, agent: "planner", model: "gpt-small");
        await server.RecordAsync("acme", Now.AddHours(-2), costNanoUsd: 1_000_000_000, agent: "synthesis");
        await server.RecordAsync("acme", Now.AddHours(-1), costNanoUsd: 500_000_000, agent: null, model: "embedder", operation: UsageOperations.Embedding);
        await server.RecordAsync("other", Now.AddHours(-1), costNanoUsd: 9_000_000_000);
        await server.RollUpAllAsync();

        var costs = await server.Client("acme").GetFromJsonAsync<JsonElement>("/v1/admin/costs");

        costs.GetProperty("month").GetString().ShouldBe("2026-03");
        Split(costs, "today").ShouldBe((1.5m, 1.0m, 0.5m));
        Split(costs, "thisWeek").ShouldBe((3.5m, 3.0m, 0.5m));
        Split(costs, "monthToDate").ShouldBe((7.5m, 7.0m, 0.5m));
        costs.GetProperty("days").EnumerateArray().Select(d => (d.GetProperty("day").GetString(), d.GetProperty("costUsd").GetDecimal()))
            .ShouldBe([("2026-03-08", 4m), ("2026-03-09", 2m), ("2026-03-10", 1.5m)]);
        costs.GetProperty("byModel").EnumerateArray().Select(m => m.GetProperty("name").GetString()).ShouldBe(["gpt-test", "gpt-small", "embedder"]);
        costs.GetProperty("byAgent").EnumerateArray().Select(m => m.GetProperty("name").GetString()).ShouldBe(["synthesis", "planner", "(none)"]);
        // 9.5 days of March have elapsed at noon on the 10th: $7.50 / 9.5 × 31.
        costs.GetProperty("monthEndForecastUsd").GetDecimal().ShouldBe(decimal.Round(7.5m / 9.5m * 31, 6));
        costs.GetProperty("forecastMethod").GetString()!.ShouldStartWith("linear");

        var february = await server.Client("acme").GetFromJsonAsync<JsonElement>("/v1/admin/costs?month=2026-02");
        february.GetProperty("today").ValueKind.ShouldBe(JsonValueKind.Null);
        february.GetProperty("monthToDate").GetProperty("costUsd").GetDecimal().ShouldBe(0m);
        february.GetProperty("monthEndForecastUsd").GetDecimal().ShouldBe(0m);
    }

    [Theory]
    [InlineData("/v1/admin/costs?month=2026-13", "'month' must be a month as yyyy-MM")]
    [InlineData("/v1/admin/costs?month=2026-04", "has not begun")]
    [InlineData("/v1/admin/latency?from=2026-03-01&to=2026-02-01", "must be before 'to'")]
    [InlineData("/v1/admin/latency?from=2026-01-01&to=2026-03-01", "at most 31 days")]
    [InlineData("/v1/admin/storage?days=0", "'days' must be between 1 and 366")]
    [InlineData("/v1/errors?since=yesterday", "'since' and 'until' must be ISO 8601")]
    [InlineData("/v1/errors?since=2026-03-10&until=2026-03-01", "must be before 'until'")]
    [InlineData("/v1/errors?limit=0", "'limit' must be between 1 and 200")]
    [InlineData("/v1/errors?offset=-1", "'offset' must be 0 or more")]
    [InlineData("/v1/errors?severity=fatal", "severity")]
    public async Task DashboardRoutes_BadFilter_Return400NamingIt(string path, string expected)
    {
        using var server = new MonitoringServer(Now);

        var response = await server.Client("acme").GetAsync(path);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain(expected);
    }

    [Fact]
    public async Task ListErrors_FailedDocumentFailedAndCancelledWorkflows_FilteredByAgentSeverityKindAndTime()
    {
        using var server = new MonitoringServer(Now);
        var services = server.Factory.Services;
        var documents = services.GetRequiredService<IDocumentStore>();
        var failed = ContractRecords.NewDocument("acme", "corrupt", Now.AddHours(-3)) with { FileName = "corrupt.pdf" };
        await documents.InsertAsync(failed);
        await documents.UpdateAsync(failed with
        {
            Status = DocumentStatus.Failed, Stage = IngestionStage.Failed, Attempts = 1, UpdatedAt = Now.AddHours(-3),
            Error = "pdftotext exited with 1: Syntax Error: Couldn't find trailer dictionary\nsecond line of the tool's output",
        });
        var theirs = ContractRecords.NewDocument("other", "theirs", Now.AddHours(-3));
        await documents.InsertAsync(theirs);
        await documents.UpdateAsync(theirs with { Status = DocumentStatus.Failed, Error = "another tenant's failure", UpdatedAt = Now.AddHours(-3) });

        var events = services.GetRequiredService<IEventLog>();
        await events.AppendAsync("acme", WorkflowEvents.StreamId("wf_failed"), "error", JsonSerializer.Serialize(new ErrorEvent("wf_failed", "step_failed", "synthesis failed: the model answered 500", "s3", "synthesis"), Core.Serialization.AgentRagJson.Options));
        server.Clock.Advance(TimeSpan.FromMinutes(30));
        await events.AppendAsync("acme", WorkflowEvents.StreamId("wf_cancelled"), "error", JsonSerializer.Serialize(new ErrorEvent("wf_cancelled", "cancelled", "cancelled by the caller"), Core.Serialization.AgentRagJson.Options));
        var client = server.Client("acme");

        var all = await client.GetFromJsonAsync<JsonElement>("/v1/errors");
        all.GetProperty("total").GetInt32().ShouldBe(3);
        var items = all.GetProperty("items").EnumerateArray().ToList();
        items.Select(i => i.GetProperty("id").GetString()).ShouldBe(["wf_cancelled", "wf_failed", failed.Id]); // newest first
        items[0].GetProperty("severity").GetString().ShouldBe("warning");
        items[0].GetProperty("agent").GetString().ShouldBe("workflow");
        items[1].GetProperty("agent").GetString().ShouldBe("synthesis");
        items[1].GetProperty("stepId").GetString().ShouldBe("s3");
        items[2].GetProperty("kind").GetString().ShouldBe("document");
        items[2].GetProperty("summary").GetString().ShouldBe("pdftotext exited with 1: Syntax Error: Couldn't find trailer dictionary");
        items[2].GetProperty("message").GetString()!.ShouldEndWith("second line of the tool's output");
        items[2].GetProperty("canReprocess").GetBoolean().ShouldBeTrue();

        Ids(await client.GetFromJsonAsync<JsonElement>("/v1/errors?agent=ingestion")).ShouldBe([failed.Id]);
        Ids(await client.GetFromJsonAsync<JsonElement>("/v1/errors?severity=error")).ShouldBe(["wf_failed", failed.Id]);
        Ids(await client.GetFromJsonAsync<JsonElement>("/v1/errors?kind=workflow&limit=1")).ShouldBe(["wf_cancelled"]);
        Ids(await client.GetFromJsonAsync<JsonElement>($"/v1/errors?since={Now.AddHours(-1):yyyy-MM-ddTHH:mm:ss}Z")).ShouldBe(["wf_cancelled", "wf_failed"]);
        Ids(await client.GetFromJsonAsync<JsonElement>($"/v1/errors?until={Now.AddHours(-1):yyyy-MM-ddTHH:mm:ss}Z")).ShouldBe([failed.Id]);
        Ids(await server.Client("other").GetFromJsonAsync<JsonElement>("/v1/errors?kind=workflow")).ShouldBeEmpty();
    }

    [Fact]
    public async Task StreamMetrics_RequestsInvocationsLatencyAndTokens_SnapshotsTheTenantsOwnFiguresEveryInterval()
    {
        using var server = new MonitoringServer(Now, new Dictionary<string, string?> { ["AgentRag:Dashboard:RateWindow"] = "00:00:02" });
        var tenant = "live-" + Guid.NewGuid().ToString("N")[..8]; // the instruments are process-wide: a tenant of its own
        var client = server.Client(tenant);
        for (var i = 0; i < 4; i++)
        {
            (await client.GetAsync("/v1/tenant/limits")).EnsureSuccessStatusCode();
        }

        WorkflowTelemetry.RecordStep(tenant, "retrieval", "completed", TimeSpan.FromMilliseconds(40));
        WorkflowTelemetry.RecordStep(tenant, "synthesis", "failed", TimeSpan.FromMilliseconds(900));
        foreach (var ms in new[] { 120, 300, 700, 2_000, 45_000 })
        {
            WorkflowTelemetry.RecordQuery(tenant, WorkflowStatus.Completed, TimeSpan.FromMilliseconds(ms));
        }

        WorkflowTelemetry.RecordFirstToken(tenant, TimeSpan.FromMilliseconds(250));
        WorkflowTelemetry.RecordStep("someone-else", "synthesis", "completed", TimeSpan.FromSeconds(1));

        using var stream = await SseClient.OpenAsync(client, "/v1/admin/metrics/stream");
        stream.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var events = SseClient.ReadEventsAsync(stream, cancellation.Token).GetAsyncEnumerator(cancellation.Token);
        (await events.MoveNextAsync()).ShouldBeTrue();
        events.Current.Type.ShouldBe("snapshot");
        events.Current.Id.ShouldBe(1);
        var first = JsonDocument.Parse(events.Current.Data).RootElement;

        first.GetProperty("tenant").GetString().ShouldBe(tenant);
        first.GetProperty("coverage").GetString().ShouldBe("process");
        first.GetProperty("requestsPerSecond").GetDouble().ShouldBe(2.5); // 4 limits requests + the stream itself, over 2 s
        first.GetProperty("agentInvocationsPerSecond").GetDouble().ShouldBe(1);
        first.GetProperty("invocationsPerSecondByAgent").EnumerateArray().Select(a => a.GetProperty("name").GetString()).ShouldBe(["retrieval", "synthesis"]);
        first.GetProperty("activeUsers").GetInt32().ShouldBe(1);
        var latency = first.GetProperty("queryLatency");
        latency.GetProperty("count").GetInt64().ShouldBe(5);
        latency.GetProperty("p50Ms").GetDouble().ShouldBe(700);
        latency.GetProperty("p95Ms").GetDouble().ShouldBe(45_000);
        latency.GetProperty("histogram").EnumerateArray().Select(b => b.GetProperty("count").GetInt64()).Sum().ShouldBe(5);
        latency.GetProperty("histogram").EnumerateArray().Last().GetProperty("count").GetInt64().ShouldBe(0); // 45 s is under the 60 s bound
        first.GetProperty("timeToFirstToken").GetProperty("p99Ms").GetDouble().ShouldBe(250);

        // The next snapshot comes after the interval, on the injected clock; the rates have left their 2-second window.
        var next = events.MoveNextAsync().AsTask();
        server.Clock.Advance(TimeSpan.FromSeconds(5));
        (await next).ShouldBeTrue();
        events.Current.Id.ShouldBe(2);
        var second = JsonDocument.Parse(events.Current.Data).RootElement;
        second.GetProperty("requestsPerSecond").GetDouble().ShouldBe(0);
        second.GetProperty("agentInvocationsPerSecond").GetDouble().ShouldBe(0);
        second.GetProperty("queryLatency").GetProperty("count").GetInt64().ShouldBe(5);
        second.GetProperty("at").GetDateTimeOffset().ShouldBe(Now.AddSeconds(5));
    }

    [Fact]
    public async Task GetStorage_DocumentsOverThreeDays_CumulativeGrowthPerDay()
    {
        using var server = new MonitoringServer(Now);
        var documents = server.Factory.Services.GetRequiredService<IDocumentStore>();
        await documents.InsertAsync(ContractRecords.NewDocument("acme", "old one", Now.AddDays(-40)));
        await documents.InsertAsync(ContractRecords.NewDocument("acme", "two days ago", Now.AddDays(-2)));
        await documents.InsertAsync(ContractRecords.NewDocument("acme", "today", Now.AddHours(-1)));

        var storage = await server.Client("acme").GetFromJsonAsync<JsonElement>("/v1/admin/storage?days=3");

        storage.GetProperty("documents").GetInt64().ShouldBe(3);
        storage.GetProperty("originalBytes").GetInt64().ShouldBe("old one".Length + "two days ago".Length + "today".Length);
        storage.GetProperty("growth").EnumerateArray().Select(d => (d.GetProperty("day").GetString(), d.GetProperty("documents").GetInt64(), d.GetProperty("originalBytes").GetInt64()))
            .ShouldBe([("2026-03-08", 2L, 19L), ("2026-03-09", 2L, 19L), ("2026-03-10", 3L, 24L)]);
    }

    private static (decimal Cost, decimal Chat, decimal Embedding) Split(JsonElement costs, string name)
    {
        var split = costs.GetProperty(name);
        return (split.GetProperty("costUsd").GetDecimal(), split.GetProperty("chatUsd").GetDecimal(), split.GetProperty("embeddingUsd").GetDecimal());
    }

    private static List<string?> Ids(JsonElement list) => [.. list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString())];
}
