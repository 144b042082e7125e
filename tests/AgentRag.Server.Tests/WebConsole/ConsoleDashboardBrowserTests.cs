using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentRag.Core;
using AgentRag.Core.Usage;
using AgentRag.Server.Limits;
using AgentRag.Storage.Sqlite;
using AgentRag.Storage.Sqlite.Usage;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;
using Microsoft.Playwright;

namespace AgentRag.Server.Tests.WebConsole;

/// <summary>
/// <c>agentrag serve</c> (open mode) with a chat model (the loopback OpenAI test server, priced as gpt-4o-mini), the
/// monitoring agent on a 2-second lease, one Chromium, and a scripted workload: a Markdown document, three questions
/// answered by the model, and a corrupt PDF whose ingestion fails. The spend of earlier today is seeded as raw usage rows
/// before the server starts, because the cost figures are read from 5-minute rollups: the questions' own spend joins
/// them once their bucket closes.
/// </summary>
public sealed class DashboardConsoleFixture : IAsyncLifetime
{
    public const string CorruptFile = "corrupt-scan.pdf";

    private readonly TempDirectory _data = new("agentrag-console-dashboard");
    private OpenAiTestServer? _model;

    public ConsoleBrowser Browser { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public string CorruptDocumentId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await SeedEarlierSpendAsync(_data.Path);
        _model = await OpenAiTestServer.StartAsync();
        Browser = await ConsoleBrowser.StartAsync(_data.Path, null, new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = _model.BaseUrl.ToString(),
            ["OPENAI_API_KEY"] = "test-key",
            ["AGENTRAG_CHAT_MODEL"] = "gpt-4o-mini",
            ["AgentRag__Agents__UseModelPlanner"] = "false",
            ["AgentRag__Monitoring__LeaseDuration"] = "00:00:02",
        });
        Http = new HttpClient { BaseAddress = new Uri(Browser.Url), Timeout = TimeSpan.FromMinutes(2) };
        await DocumentUploads.UploadAndWaitAsync(Http, "nodejs-process.md");
        foreach (var question in new[] { "What does the beforeExit event do?", "What does process.cwd return?", "What is process.argv?" })
        {
            using var answer = await Http.PostAsJsonAsync("/v1/queries", new { query = question });
            answer.EnsureSuccessStatusCode();
        }

        using var content = new MultipartFormDataContent();
        var bytes = new ByteArrayContent(Encoding.ASCII.GetBytes("%PDF-1.5\n%garbage that is not a PDF body\n"));
        bytes.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        content.Add(bytes, "files", CorruptFile);
        using var upload = await Http.PostAsync("/v1/documents", content);
        upload.EnsureSuccessStatusCode();
        CorruptDocumentId = (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("documents")[0].GetProperty("id").GetString()!;
        using var events = await SseClient.OpenAsync(Http, $"/v1/documents/{CorruptDocumentId}/events");
        (await SseClient.ReadUntilAsync(events, "failed")).Data.ShouldContain("error");
    }

    /// <summary>Raw usage of an hour and two hours ago (chat and embeddings), written to the data folder's store as the model layer writes it.</summary>
    private static async Task SeedEarlierSpendAsync(string dataPath)
    {
        using var database = SqliteDatabase.Open(new SqliteStorageOptions { DataDirectory = dataPath });
        var usage = new SqliteUsageStore(database);
        var now = DateTimeOffset.UtcNow;
        foreach (var (hoursAgo, agent, model, operation, cost) in new[]
        {
            (2, "synthesis", "gpt-4o-mini", UsageOperations.Chat, 40_000_000L),
            (1, "synthesis", "gpt-4o-mini", UsageOperations.Chat, 25_000_000L),
            (1, (string?)null, "text-embedding-3-small", UsageOperations.Embedding, 5_000_000L),
        })
        {
            await usage.RecordAsync(new UsageRecord
            {
                Id = Ids.New("use"),
                Timestamp = now.AddHours(-hoursAgo),
                TenantId = Tenancy.DefaultTenant,
                Agent = agent,
                Profile = "default",
                Model = model!,
                Operation = operation!,
                InputTokens = 1_200,
                OutputTokens = 300,
                CostNanoUsd = cost,
                Latency = TimeSpan.FromMilliseconds(900),
                Outcome = UsageOutcome.Succeeded,
            });
        }
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        if (_model is not null)
        {
            await _model.DisposeAsync();
        }

        _data.Dispose();
    }
}

/// <summary>
/// The admin dashboard in Chromium: live latency, token and cost charts and the failed document after the fixture's
/// workload, reprocessing it from the error list; an alert the monitoring agent raises on the alerts page after the
/// rule is lowered in the form; and the requests a dashboard left open for ten (fast-forwarded) minutes makes. No
/// console error; no serious or critical axe-core violation on any new page; screenshots under TestResults/console.
/// </summary>
public sealed class ConsoleDashboardBrowserTests(DashboardConsoleFixture fixture) : IClassFixture<DashboardConsoleFixture>
{
    private ConsoleBrowser Browser => fixture.Browser;

    [Fact]
    public async Task Dashboard_AfterQueriesAndAFailedDocument_ShowsLatencyTokensCostAndFailureAndReprocessRunsAgain()
    {
        var page = await Browser.OpenAsync("/admin/dashboard");
        var violations = new List<AxeViolation>();

        // Live: the three answered questions are in the latency histogram, and the model's tokens in the pie.
        await page.Locator(".percentiles[data-metric=query]").WaitForAsync();
        var percentiles = await page.Locator(".percentiles[data-metric=query]").InnerTextAsync();
        int.Parse(percentiles.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThanOrEqualTo(3, percentiles);
        percentiles.ShouldNotContain("p95 —");
        (await page.Locator("figure[data-chart=latency-histogram] rect.bar[height]:not([height='0'])").CountAsync()).ShouldBeGreaterThan(0);
        (await page.Locator("figure[data-chart=tokens-pie] .slice").CountAsync()).ShouldBeGreaterThan(0);
        (await page.Locator("figure[data-chart=tokens-pie] .legend").InnerTextAsync()).ShouldContain("synthesis");

        // Cost, from the rollups: the seeded spend of earlier today ($0.07), split and charted.
        await page.Locator(".tile[data-figure=cost-today] .tile-value").Filter(new() { HasNotText = "$0.00" }).WaitForAsync(new() { Timeout = 60_000 });
        (await page.Locator("figure[data-chart=daily-cost] rect.bar").CountAsync()).ShouldBeGreaterThan(0);
        (await page.Locator(".failure-list").InnerTextAsync()).ShouldContain("document · ingestion");
        violations.AddRange(await ConsoleBrowser.CheckPageAsync(page, "admin-dashboard"));

        await page.GetByRole(AriaRole.Link, new() { Name = "Costs", Exact = true }).ClickAsync();
        await page.Locator("tr[data-period=Today]").WaitForAsync();
        (await page.Locator("tr[data-period=Today]").InnerTextAsync()).ShouldContain("$0.005"); // the embeddings' share
        (await page.Locator("figure[data-chart=cost-by-model] .legend").InnerTextAsync()).ShouldContain("text-embedding-3-small");
        violations.AddRange(await ConsoleBrowser.CheckPageAsync(page, "admin-costs"));

        // The failed document, expanded to its full error, and reprocessed: the console follows the new run to its end.
        await page.GetByRole(AriaRole.Link, new() { Name = "Errors", Exact = true }).ClickAsync();
        var item = page.Locator($"li.error-item[data-error-id='{fixture.CorruptDocumentId}']");
        await item.WaitForAsync();
        await item.Locator("summary").ClickAsync();
        (await item.Locator(".error-message").InnerTextAsync()).ShouldNotBeNullOrWhiteSpace();
        violations.AddRange(await ConsoleBrowser.CheckPageAsync(page, "admin-errors"));
        await item.GetByRole(AriaRole.Button, new() { Name = $"Reprocess {DashboardConsoleFixture.CorruptFile}" }).ClickAsync();
        await item.Locator(".reprocess-state", new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^Reprocessed") }).WaitForAsync(new() { Timeout = 120_000 });
        (await item.Locator(".reprocess-state").InnerTextAsync()).ShouldContain("failed again"); // the same corrupt bytes, a second run
        var document = await fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/documents/{fixture.CorruptDocumentId}");
        document.GetProperty("attempts").GetInt32().ShouldBe(2);

        await page.GetByRole(AriaRole.Link, new() { Name = "Limits", Exact = true }).ClickAsync();
        await page.Locator("li[data-quota]").First.WaitForAsync();
        await page.Locator("figure[data-chart=storage-growth]").WaitForAsync();
        violations.AddRange(await ConsoleBrowser.CheckPageAsync(page, "admin-limits"));

        violations.ShouldBeEmpty();
        Browser.ConsoleErrorsOf(page).ShouldBeEmpty();
    }

    [Fact]
    public async Task Alerts_IngestionFailureRuleLoweredInTheForm_AlertRaisedByTheMonitoringAgentAppears()
    {
        var page = await Browser.OpenAsync("/admin/alerts");
        var threshold = page.GetByLabel("ingestion.failures threshold");
        await threshold.WaitForAsync();
        await threshold.FillAsync("1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await page.Locator("p.ok", new() { HasText = "Saved." }).WaitForAsync();

        // The agent checks the rules every lease period (2 s here): the failed document of the last hour now raises one.
        var alert = page.Locator("li.alert-item[data-alert-kind='ingestion.failures']");
        for (var i = 0; i < 60 && await alert.CountAsync() == 0; i++)
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
            await alert.Or(page.Locator("li.alert-item")).First.WaitForAsync(new() { Timeout = 1_000 }).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        (await alert.Locator(".alert-title").InnerTextAsync()).ShouldContain("failed ingestion in the last hour");
        await alert.Locator("summary").ClickAsync();
        var violations = await ConsoleBrowser.CheckPageAsync(page, "admin-alerts");
        violations.ShouldBeEmpty();
        Browser.ConsoleErrorsOf(page).ShouldBeEmpty();
    }

    [Fact]
    public async Task Dashboard_OpenForTenFastForwardedMinutes_MakesFewerRequestsThanTheDefaultRateLimit()
    {
        var requests = new List<string>();
        var page = await Browser.OpenAsync("/admin/dashboard", async p =>
        {
            await p.Clock.InstallAsync();
            p.Request += (_, request) =>
            {
                if (new Uri(request.Url).AbsolutePath.StartsWith("/v1/", StringComparison.Ordinal))
                {
                    lock (requests)
                    {
                        requests.Add($"{request.Method} {new Uri(request.Url).PathAndQuery}");
                    }
                }
            };
        });
        await page.Locator(".tile[data-figure=requests]").WaitForAsync();

        // Ten minutes of the page's timers (any polling would fire here), then whatever they started has time to go out.
        await page.Clock.FastForwardAsync("10:00");
        await page.Locator(".live-state", new() { HasText = "Live:" }).WaitForAsync();

        string[] made;
        lock (requests)
        {
            made = [.. requests];
        }

        var limit = new LimitsOptions().RequestsPerWindow; // the default: per key and per one-minute window
        made.Length.ShouldBeLessThan(limit, string.Join(", ", made));
        made.Count(r => r.StartsWith("GET /v1/admin/metrics/stream", StringComparison.Ordinal)).ShouldBe(1, string.Join(", ", made)); // one stream, not polling
        made.Length.ShouldBeLessThanOrEqualTo(5, string.Join(", ", made)); // auth status, the stream, costs, errors
        Browser.ConsoleErrorsOf(page).ShouldBeEmpty();
    }
}
