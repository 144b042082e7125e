using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentRag.Core.Monitoring;
using AgentRag.Core.Serialization;
using AgentRag.Core.Usage;
using AgentRag.Monitoring.Channels;
using AgentRag.Monitoring.Jobs;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;
using netDumbster.smtp;

namespace AgentRag.Server.Tests.Monitoring;

/// <summary>The monitoring agent's jobs on a manual clock, over the real store, API and loopback channel servers.</summary>
public sealed class MonitoringAgentTests
{
    private static readonly DateTimeOffset Day = new(2026, 3, 10, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task RollUp_SyntheticUsageWithLateRows_MatchesRawUsageExactly()
    {
        using var server = new MonitoringServer(Day.AddHours(12));
        var random = new Random(23);
        string[] tenants = ["acme", "globex"], models = ["gpt-big", "gpt-small"];
        string?[] agents = ["planner", "synthesis", null];
        for (var i = 0; i < 600; i++)
        {
            await server.RecordAsync(tenants[random.Next(2)], Day.AddHours(9).AddSeconds(random.Next(3 * 3600)), models[random.Next(2)], agents[random.Next(3)],
                failed: random.Next(10) == 0, input: random.Next(1, 5000), output: random.Next(0, 800), costNanoUsd: random.Next(1, 9_000_000),
                latencyMs: random.Next(50, 5000));
        }

        await server.RollUpAllAsync();
        // A long call recorded after its bucket was rolled up (it started 4 minutes before now): the next run's lateness
        // window folds it in.
        await server.RecordAsync("acme", Day.AddHours(12).AddMinutes(-4), "gpt-big", "planner", costNanoUsd: 7_777_777);
        server.Clock.Advance(TimeSpan.FromMinutes(5));
        (await server.Jobs.RollUpAsync()).ShouldBe(1);

        var rollups = await server.Factory.Services.GetRequiredService<IMonitoringStore>().ReadRollupsAsync(null, Day, Day.AddDays(1));
        foreach (var tenant in tenants)
        {
            foreach (var groupBy in new[] { "model", "agent" })
            {
                var usage = await server.Client(tenant).GetFromJsonAsync<JsonElement>(
                    $"/v1/usage?groupBy={groupBy}&from={Day:O}&to={Day.AddDays(1):O}".Replace("+", "%2B", StringComparison.Ordinal));
                foreach (var group in usage.GetProperty("groups").EnumerateArray())
                {
                    var key = group.GetProperty("key").GetString() ?? "";
                    var mine = rollups.Where(r => r.TenantId == tenant && (groupBy == "model" ? r.Model : r.Agent) == key).ToList();
                    var totals = group.GetProperty("totals");
                    mine.Sum(r => r.Calls).ShouldBe(totals.GetProperty("calls").GetInt64(), $"{tenant} {groupBy} {key}");
                    mine.Sum(r => r.FailedCalls).ShouldBe(totals.GetProperty("failedCalls").GetInt64());
                    mine.Sum(r => r.InputTokens).ShouldBe(totals.GetProperty("inputTokens").GetInt64());
                    mine.Sum(r => r.OutputTokens).ShouldBe(totals.GetProperty("outputTokens").GetInt64());
                    NanoUsd.ToUsd(mine.Sum(r => r.CostNanoUsd)).ShouldBe(totals.GetProperty("costUsd").GetDecimal());
                }

                rollups.Where(r => r.TenantId == tenant).Sum(r => r.Calls).ShouldBe(usage.GetProperty("totals").GetProperty("calls").GetInt64());
            }
        }

        rollups.Sum(r => r.Calls).ShouldBe(601);
        rollups.ShouldAllBe(r => r.BucketStart.UtcTicks % MonitoringWindows.RollupBucket.Ticks == 0);
    }

    [Fact]
    public async Task DetectAnomalies_BurstOfFailedCalls_OneAnomalyOneAlertDeliveredSigned()
    {
        var received = new List<(string Body, string? Timestamp, string? Signature, string? Key)>();
        await using var webhook = await LoopbackHttpServer.StartAsync(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            lock (received)
            {
                received.Add((body, context.Request.Headers[WebhookSender.TimestampHeader], context.Request.Headers[WebhookSender.SignatureHeader],
                    context.Request.Headers[WebhookSender.AlertKeyHeader]));
            }
        });
        using var server = new MonitoringServer(Day.AddDays(7).AddHours(15).AddMinutes(5));
        var client = server.Client("acme");
        const string Secret = "a-signing-secret-of-enough-length";
        (await client.PutAsJsonAsync("/v1/alerts/settings", new { slack = new[] { new { url = webhook.Address + "hooks/ops", secret = Secret } } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);

        // Seven days of a steady 14:00 hour (40 calls, 1 failed), then a day whose 14:00 hour has 30 of 40 failed.
        for (var day = 0; day <= 7; day++)
        {
            for (var i = 0; i < 40; i++)
            {
                var failed = day == 7 ? i < 30 : i == 0;
                await server.RecordAsync("acme", Day.AddDays(day).AddHours(14).AddSeconds(i * 60), failed: failed, costNanoUsd: failed ? 0 : 1_500_000,
                    output: failed ? 0 : 100);
            }
        }

        await server.RollUpAllAsync();
        (await server.Jobs.DetectAnomaliesAsync()).ShouldBe(1);
        (await server.Jobs.DetectAnomaliesAsync()).ShouldBe(0); // the hour is done: a re-run adds nothing
        await server.Dispatcher.WhenIdleAsync();

        var anomaly = (await server.Factory.Services.GetRequiredService<IMonitoringStore>().ListAnomaliesAsync(null, Day, Day.AddDays(8))).ShouldHaveSingleItem();
        anomaly.Metric.ShouldBe(AnomalyMetrics.ErrorRate);
        anomaly.Value.ShouldBe(0.75);
        anomaly.BaselineMedian.ShouldBe(0.025);
        using (var evidence = JsonDocument.Parse(anomaly.Evidence))
        {
            evidence.RootElement.GetProperty("baseline").GetArrayLength().ShouldBe(7);
            evidence.RootElement.GetProperty("volume").GetInt64().ShouldBe(40);
        }

        var alerts = await client.GetFromJsonAsync<JsonElement>("/v1/alerts");
        var alert = alerts.GetProperty("items").EnumerateArray().ShouldHaveSingleItem();
        alert.GetProperty("kind").GetString().ShouldBe(AlertKinds.Anomaly);
        var delivery = alert.GetProperty("deliveries").EnumerateArray().ShouldHaveSingleItem();
        delivery.GetProperty("delivered").GetBoolean().ShouldBeTrue();

        var (body, timestamp, signature, key) = received.ShouldHaveSingleItem();
        key.ShouldBe("anomaly:error_rate:");
        signature.ShouldBe(WebhookSender.Sign(Secret, long.Parse(timestamp!, System.Globalization.CultureInfo.InvariantCulture), body));
        signature.ShouldBe("v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes($"v1:{timestamp}:{body}"))));
        JsonDocument.Parse(body).RootElement.GetProperty("text").GetString()!.ShouldContain("error_rate");
    }

    [Fact]
    public async Task DetectAnomalies_QuietNightWithOneSlowFailedCall_NoAnomalyNoAlert()
    {
        using var server = new MonitoringServer(Day.AddDays(7).AddHours(3).AddMinutes(5));
        for (var day = 0; day < 7; day++)
        {
            for (var i = 0; i < 3; i++)
            {
                await server.RecordAsync("acme", Day.AddDays(day).AddHours(2).AddMinutes(i * 10));
            }
        }

        // Tonight: four calls, two of them failed, one very slow: a high rate on a volume too small to page for.
        await server.RecordAsync("acme", Day.AddDays(7).AddHours(2).AddMinutes(10), latencyMs: 60_000);
        await server.RecordAsync("acme", Day.AddDays(7).AddHours(2).AddMinutes(20), failed: true);
        await server.RecordAsync("acme", Day.AddDays(7).AddHours(2).AddMinutes(30), failed: true);
        await server.RecordAsync("acme", Day.AddDays(7).AddHours(2).AddMinutes(40));

        await server.RollUpAllAsync();
        (await server.Jobs.DetectAnomaliesAsync()).ShouldBe(1);
        await server.Jobs.RunDueAsync();
        await server.Dispatcher.WhenIdleAsync();

        (await server.Factory.Services.GetRequiredService<IMonitoringStore>().ListAnomaliesAsync(null, Day, Day.AddDays(8))).ShouldBeEmpty();
        (await server.Client("acme").GetFromJsonAsync<JsonElement>("/v1/alerts")).GetProperty("items").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task SendDailyReports_DayOfUsage_TotalsMatchUsageApiAndEmailArrives()
    {
        var smtpPort = FreePort.Next();
        using var smtp = SimpleSmtpServer.Start(smtpPort);
        using var server = new MonitoringServer(Day.AddDays(1).AddHours(1).AddMinutes(30), new Dictionary<string, string?>
        {
            ["AgentRag:Monitoring:Smtp:Host"] = "127.0.0.1",
            ["AgentRag:Monitoring:Smtp:Port"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AgentRag:Monitoring:Smtp:Security"] = "None",
            ["AgentRag:Monitoring:Smtp:From"] = "agentrag@example.test",
        });
        var client = server.Client("acme");
        (await client.PutAsJsonAsync("/v1/alerts/settings", new { reportRecipients = new[] { "finance@example.test" } })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var random = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            // The day before (for the comparison) and the day itself.
            await server.RecordAsync("acme", Day.AddDays(i % 4 == 0 ? -1 : 0).AddSeconds(random.Next(86_400)), i % 3 == 0 ? "gpt-big" : "gpt-small",
                i % 2 == 0 ? "synthesis" : "planner", input: random.Next(100, 4000), output: random.Next(10, 500), costNanoUsd: random.Next(100_000, 9_000_000));
        }

        await server.RollUpAllAsync();
        (await server.Jobs.SendDailyReportsAsync()).ShouldBe(1);
        await server.Dispatcher.WhenIdleAsync();

        var report = (await server.Factory.Services.GetRequiredService<IMonitoringStore>().GetCostReportAsync("acme", DateOnly.FromDateTime(Day.UtcDateTime))).ShouldNotBeNull();
        var data = JsonSerializer.Deserialize<CostReporter.CostReportData>(report.Json, AgentRagJson.Options)!;
        var usage = await client.GetFromJsonAsync<JsonElement>($"/v1/usage?groupBy=model&from={Day:yyyy-MM-dd}&to={Day.AddDays(1):yyyy-MM-dd}");
        var totals = usage.GetProperty("totals");
        data.Totals.Calls.ShouldBe(totals.GetProperty("calls").GetInt64());
        data.Totals.TotalTokens.ShouldBe(totals.GetProperty("totalTokens").GetInt64());
        data.Totals.CostUsd.ShouldBe(totals.GetProperty("costUsd").GetDecimal());
        foreach (var group in usage.GetProperty("groups").EnumerateArray())
        {
            data.ByModel.Single(m => m.Name == group.GetProperty("key").GetString()).CostUsd.ShouldBe(group.GetProperty("totals").GetProperty("costUsd").GetDecimal());
        }

        var before = await client.GetFromJsonAsync<JsonElement>($"/v1/usage?from={Day.AddDays(-1):yyyy-MM-dd}&to={Day:yyyy-MM-dd}");
        data.PreviousDayCostUsd.ShouldBe(before.GetProperty("totals").GetProperty("costUsd").GetDecimal());
        data.MonthToDateCostUsd.ShouldBe(data.Totals.CostUsd + data.PreviousDayCostUsd);
        data.MonthEndForecastUsd.ShouldBe(decimal.Round(data.MonthToDateCostUsd * 31 / 10, 6));
        report.Text.ShouldContain("By model");
        report.Html.ShouldContain("<table>");

        var mail = smtp.ReceivedEmail.ShouldHaveSingleItem();
        mail.ToAddresses.Select(a => a.Address).ShouldBe(["finance@example.test"]);
        mail.Headers["Subject"].ShouldBe("[AgentRag] Cost report acme 2026-03-10");
        mail.Data.ShouldContain("Month to date");
    }
}
