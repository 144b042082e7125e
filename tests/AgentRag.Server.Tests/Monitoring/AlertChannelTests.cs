using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.Core.Monitoring;
using AgentRag.Monitoring.Alerts;
using AgentRag.Monitoring.Channels;
using AgentRag.TestKit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using netDumbster.smtp;

namespace AgentRag.Server.Tests.Monitoring;

/// <summary>Alert channels against real loopback servers, and <c>/v1/alerts/settings</c>.</summary>
public sealed class AlertChannelTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task RaiseAsync_WebhookFailsThenRecovers_RetriedSignedOnceDeliveredAndDuplicateNotSent()
    {
        var requests = new List<(string Body, string Key, string Timestamp, string Signature)>();
        await using var webhook = await LoopbackHttpServer.StartAsync(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            int count;
            lock (requests)
            {
                requests.Add((body, context.Request.Headers[WebhookSender.AlertKeyHeader]!, context.Request.Headers[WebhookSender.TimestampHeader]!,
                    context.Request.Headers[WebhookSender.SignatureHeader]!));
                count = requests.Count;
            }

            // The first attempt meets a 503 (a retryable failure); the retry succeeds.
            context.Response.StatusCode = count == 1 ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        });
        using var server = new MonitoringServer(Now);
        const string Secret = "0123456789abcdef-secret";
        (await server.Client("acme").PutAsJsonAsync("/v1/alerts/settings", new { slack = new[] { new { url = webhook.Address.ToString(), secret = Secret } } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        var alerts = server.Factory.Services.GetRequiredService<AlertService>();

        var first = await alerts.RaiseAsync("acme", AlertKinds.IngestionFailures, "ingestion.failures", "7 documents failed ingestion in the last hour", "detail");
        var duplicate = await alerts.RaiseAsync("acme", AlertKinds.IngestionFailures, "ingestion.failures", "8 documents failed ingestion in the last hour", "detail");
        await server.Dispatcher.WhenIdleAsync();

        first.ShouldNotBeNull();
        duplicate.ShouldBeNull(); // the same key within the rule's cooldown is one incident
        requests.Count.ShouldBe(2);
        requests.ShouldAllBe(r => r.Key == "ingestion.failures");
        requests.ShouldAllBe(r => r.Signature == WebhookSender.Sign(Secret, long.Parse(r.Timestamp, System.Globalization.CultureInfo.InvariantCulture), r.Body));
        requests[0].Body.ShouldBe(requests[1].Body);
        var stored = (await server.Factory.Services.GetRequiredService<IAlertStore>().ListAsync("acme", null, null, 10)).ShouldHaveSingleItem();
        var delivery = stored.Deliveries.ShouldHaveSingleItem();
        delivery.Delivered.ShouldBeTrue();
        delivery.Attempts.ShouldBe(2);

        // After the cooldown the same key pages again.
        server.Clock.Advance(TimeSpan.FromMinutes(61));
        (await alerts.RaiseAsync("acme", AlertKinds.IngestionFailures, "ingestion.failures", "again", "detail")).ShouldNotBeNull();
        await server.Dispatcher.WhenIdleAsync();
        requests.Count.ShouldBe(3);
    }

    [Fact]
    public async Task RaiseAsync_WebhookRejectsAndPagerDutyAndEmailAccept_FailureRecordedOthersDelivered()
    {
        var pagerDuty = new List<string>();
        await using var rejecting = await LoopbackHttpServer.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        await using var pager = await LoopbackHttpServer.StartAsync(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            lock (pagerDuty)
            {
                pagerDuty.Add(body);
            }

            context.Response.StatusCode = StatusCodes.Status202Accepted;
            await context.Response.WriteAsync("""{"status":"success","dedup_key":"x"}""");
        });
        var smtpPort = FreePort.Next();
        using var smtp = SimpleSmtpServer.Start(smtpPort);
        using var server = new MonitoringServer(Now, new Dictionary<string, string?>
        {
            ["AgentRag:Monitoring:Smtp:Host"] = "127.0.0.1",
            ["AgentRag:Monitoring:Smtp:Port"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AgentRag:Monitoring:Smtp:Security"] = "None",
        });
        (await server.Client("acme").PutAsJsonAsync("/v1/alerts/settings", new
        {
            slack = new[] { new { url = rejecting.Address + "gone", secret = "0123456789abcdef-secret" } },
            pagerDuty = new[] { new { url = pager.Address + "v2/enqueue", routingKey = "R0UT1NGKEY" } },
            emailRecipients = new[] { "oncall@example.test" },
        })).StatusCode.ShouldBe(HttpStatusCode.OK);

        var alert = await server.Factory.Services.GetRequiredService<AlertService>()
            .RaiseAsync("acme", AlertKinds.CircuitOpen, "circuit:default", "The circuit of model profile 'default' is open", "Calls fail fast.");
        await server.Dispatcher.WhenIdleAsync();

        alert.ShouldNotBeNull();
        var stored = (await server.Factory.Services.GetRequiredService<IAlertStore>().ListAsync("acme", null, null, 10)).ShouldHaveSingleItem();
        stored.Deliveries.Count.ShouldBe(3);
        var slack = stored.Deliveries.Single(d => d.Channel.StartsWith("slack:", StringComparison.Ordinal));
        slack.Delivered.ShouldBeFalse();
        slack.Attempts.ShouldBe(1); // a 404 is not retried
        slack.Error.ShouldNotBeNull().ShouldContain("404");
        stored.Deliveries.Single(d => d.Channel.StartsWith("pagerduty:", StringComparison.Ordinal)).Delivered.ShouldBeTrue();
        stored.Deliveries.Single(d => d.Channel == "email").Delivered.ShouldBeTrue();

        using var pd = JsonDocument.Parse(pagerDuty.ShouldHaveSingleItem());
        pd.RootElement.GetProperty("routing_key").GetString().ShouldBe("R0UT1NGKEY");
        pd.RootElement.GetProperty("event_action").GetString().ShouldBe("trigger");
        pd.RootElement.GetProperty("dedup_key").GetString().ShouldBe("acme/circuit:default");
        pd.RootElement.GetProperty("payload").GetProperty("severity").GetString().ShouldBe("critical");
        pd.RootElement.GetProperty("payload").GetProperty("summary").GetString().ShouldBe("The circuit of model profile 'default' is open");

        var mail = smtp.ReceivedEmail.ShouldHaveSingleItem();
        mail.ToAddresses.Select(a => a.Address).ShouldBe(["oncall@example.test"]);
        mail.Headers["Subject"]!.ShouldContain("The circuit of model profile 'default' is open");
    }

    [Fact]
    public async Task PutSettings_InvalidValues_Returns400NamingEachField()
    {
        using var server = new MonitoringServer(Now);
        var response = await server.Client("acme").PutAsJsonAsync("/v1/alerts/settings", new
        {
            rules = new Dictionary<string, object>
            {
                ["budget.90"] = new { threshold = 1.5 },
                ["budget.75"] = new { },
                ["anomaly"] = new { cooldownMinutes = -1 },
            },
            slack = new[] { new { url = "ftp://example.test/hook", secret = "short" } },
            emailRecipients = new[] { "not an address" },
        });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        errors.GetProperty("rules.budget.90.threshold")[0].GetString()!.ShouldContain("got 1.5");
        errors.GetProperty("rules.budget.75")[0].GetString()!.ShouldContain("Unknown alert kind 'budget.75'");
        errors.GetProperty("rules.anomaly.cooldownMinutes")[0].GetString()!.ShouldContain("got -1");
        errors.GetProperty("slack[0].url")[0].GetString()!.ShouldContain("ftp://example.test/hook");
        errors.GetProperty("slack[0].secret")[0].GetString()!.ShouldContain("16–256");
        errors.GetProperty("emailRecipients[0]")[0].GetString()!.ShouldContain("'not an address'");

        var unknownField = await server.Client("acme").PutAsJsonAsync("/v1/alerts/settings", new { webhooks = Array.Empty<string>() });
        unknownField.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await unknownField.Content.ReadAsStringAsync()).ShouldContain("webhooks");
    }

    [Fact]
    public async Task GetSettings_AfterPut_SecretMaskedAndKeptWhenSentBackMasked()
    {
        using var server = new MonitoringServer(Now);
        var client = server.Client("acme");
        var defaults = await client.GetFromJsonAsync<JsonElement>("/v1/alerts/settings");
        defaults.GetProperty("rules").GetProperty("budget.90").GetProperty("threshold").GetDouble().ShouldBe(0.9);

        (await client.PutAsJsonAsync("/v1/alerts/settings", new { slack = new[] { new { url = "https://hooks.example.test/a", secret = "0123456789abcdef-secret" } } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        var read = await client.GetFromJsonAsync<JsonElement>("/v1/alerts/settings");
        read.GetProperty("slack")[0].GetProperty("secret").GetString().ShouldBe(AlertSettings.SecretMask);
        (await client.PutAsJsonAsync("/v1/alerts/settings", new { slack = new[] { new { url = "https://hooks.example.test/a", secret = AlertSettings.SecretMask } } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);

        var stored = AlertSettings.FromJson((await server.Factory.Services.GetRequiredService<IAlertStore>().GetSettingsAsync("acme"))!);
        stored.Slack.ShouldHaveSingleItem().Secret.ShouldBe("0123456789abcdef-secret");
        (await server.Client("other").GetFromJsonAsync<JsonElement>("/v1/alerts/settings")).GetProperty("slack").GetArrayLength().ShouldBe(0);
    }
}
