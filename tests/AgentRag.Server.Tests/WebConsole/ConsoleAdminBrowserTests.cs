using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.TestKit;
using Microsoft.Playwright;

namespace AgentRag.Server.Tests.WebConsole;

/// <summary>
/// One <c>agentrag serve --auth required</c> (the built CLI as a child process, nodejs-process.md ingested, an admin key
/// made by <c>agentrag keys create</c>, every answer waiting for approval) and one Chromium for the console's approvals
/// and admin flows.
/// </summary>
public sealed class ConsoleAdminServer : IAsyncLifetime
{
    private readonly TempDirectory _data = new("agentrag-console-admin");
    private readonly TempDirectory _profile = new("agentrag-chromium-admin");
    private CliProcess? _server;
    private IPlaywright? _playwright;

    public string Url { get; private set; } = "";

    /// <summary>The admin key's secret, and the caller name the server gives it (<c>dana (key_…)</c>).</summary>
    public string AdminKey { get; private set; } = "";

    public string AdminCaller { get; private set; } = "";

    public IBrowserContext Browser { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        var ingest = await CliProcess.RunAsync(["ingest", SharedPaths.CorpusFile("nodejs-process.md"), "--data", _data.Path, "--log-format", "text"]);
        ingest.ExitCode.ShouldBe(0, ingest.ToString());
        var created = await CliProcess.RunAsync(["keys", "create", "--role", "admin", "--name", "dana", "--json", "--data", _data.Path, "--log-format", "text"]);
        created.ExitCode.ShouldBe(0, created.ToString());
        var key = JsonDocument.Parse(created.StandardOutput).RootElement;
        (AdminKey, AdminCaller) = (key.GetProperty("key").GetString()!, $"dana ({key.GetProperty("id").GetString()})");

        Url = $"http://127.0.0.1:{FreePort.Next()}";
        // Every answer waits for a person's approval: a question asked in Chat pauses too, for the inline decision.
        _server = CliProcess.Start(
            ["serve", "--urls", Url, "--data", _data.Path, "--log-format", "text", "--auth", "required"],
            new Dictionary<string, string?> { ["AgentRag__Approvals__RequireReview"] = "true" });
        await _server.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchPersistentContextAsync(_profile.Path, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        Browser.SetDefaultTimeout(60_000);
    }

    /// <summary>A client of the server carrying <paramref name="key"/> (the admin key by default).</summary>
    public HttpClient Client(string? key = null)
    {
        var http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key ?? AdminKey);
        return http;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _profile.Dispose();
        _data.Dispose();
    }
}

/// <summary>
/// The console's approvals inbox and admin section in Debian's Chromium (issue 19's done-when flows): approve a paused
/// workflow from the inbox, create and revoke a key, and a viewer who sees no admin pages. Every flow fails on any
/// browser console error and writes desktop, desktop-dark and phone screenshots of the pages it visits to
/// <c>TestResults/console/</c>.
/// </summary>
public sealed class ConsoleAdminBrowserTests(ConsoleAdminServer server) : IClassFixture<ConsoleAdminServer>
{
    private const string Question = "What does the beforeExit event do in Node.js?";
    private readonly List<string> _consoleErrors = [];

    [Fact]
    public async Task Inbox_PausedWorkflow_ApprovedFromTheInboxThenTheWorkflowCompletes()
    {
        using var http = server.Client();
        var ask = new HttpRequestMessage(HttpMethod.Post, "/v1/queries") { Content = JsonContent.Create(new { query = Question }) };
        ask.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var stream = await http.SendAsync(ask, HttpCompletionOption.ResponseHeadersRead);
        stream.StatusCode.ShouldBe(HttpStatusCode.OK);
        var workflowId = stream.Headers.GetValues("X-Workflow-Id").Single();
        var required = await SseClient.ReadUntilAsync(stream, "approval.required", TimeSpan.FromMinutes(1));
        var approvalId = JsonDocument.Parse(required.Data).RootElement.GetProperty("approvalId").GetString()!;

        var page = await SignInAsync(server.AdminKey);
        await page.GetByRole(AriaRole.Link, new() { Name = "Approvals", Exact = true }).ClickAsync();
        var card = page.Locator($".approval-card[data-approval='{approvalId}']");
        await card.WaitForAsync();
        (await card.Locator(".question-text").InnerTextAsync()).ShouldBe(Question); // the context, read from GET /v1/approvals/{id}
        (await card.Locator("[role=timer]").InnerTextAsync()).ShouldStartWith("Times out in 23:59:");
        (await card.Locator(".suggestion").InnerTextAsync()).ShouldNotBeNullOrWhiteSpace();
        await ScreenshotsAsync(page, "approvals");

        await card.Locator("textarea.comment").FillAsync("sources checked in the browser");
        await card.Locator("button.approve").ClickAsync();

        // The decision comes back over the approval stream: the card leaves, the history shows who decided.
        var decided = page.Locator($"table.approval-history tr[data-approval='{approvalId}']");
        await decided.WaitForAsync();
        (await decided.InnerTextAsync()).ShouldContain("approved");
        (await decided.InnerTextAsync()).ShouldContain(server.AdminCaller);
        (await page.Locator(".approval-card").CountAsync()).ShouldBe(0);
        await ScreenshotsAsync(page, "approvals-decided");

        // The workflow resumes and answers.
        using var follow = await SseClient.OpenAsync(http, $"/v1/queries/{workflowId}/events", required.Id);
        var rest = await SseClient.ReadAllAsync(follow, TimeSpan.FromMinutes(2));
        rest[0].Type.ShouldBe("approval.resolved");
        var resolved = JsonDocument.Parse(rest[0].Data).RootElement;
        (resolved.GetProperty("decidedBy").GetString(), resolved.GetProperty("comment").GetString()).ShouldBe((server.AdminCaller, "sources checked in the browser"));
        rest[^1].Type.ShouldBe("done");
        JsonDocument.Parse(rest[^1].Data).RootElement.GetProperty("answer").GetString()!.ShouldContain("beforeExit");

        await page.CloseAsync();
        _consoleErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task Chat_PausedWorkflow_AdminDecidesInlineThenTheAnswerStreams()
    {
        var page = await SignInAsync(server.AdminKey);
        await page.Locator("#question").FillAsync("What does process.exitCode do in Node.js?");
        await page.Locator("#question").PressAsync("Enter");

        // The paused workflow's request shows in the turn, with the same card as the inbox.
        var card = page.Locator(".turn .approval-card");
        await card.WaitForAsync(new() { Timeout = 120_000 });
        (await card.Locator("h3").InnerTextAsync()).ShouldContain("process.exitCode");
        (await page.Locator(".turn .timeline-step.step-approval").CountAsync()).ShouldBe(1);
        await ScreenshotsAsync(page, "chat-approval");

        await card.Locator("textarea.comment").FillAsync("fine to answer");
        await card.Locator("button.approve").ClickAsync();

        await page.Locator(".turn .answer-meta").WaitForAsync(new() { Timeout = 120_000 });
        (await page.Locator(".turn .approval-card").CountAsync()).ShouldBe(0);
        (await page.Locator(".turn .answer").InnerTextAsync()).ShouldContain("exitCode");
        (await page.Locator(".turn .step-notes").AllInnerTextsAsync()).ShouldContain(note => note.Contains($"Approval approved by {server.AdminCaller}"));

        await page.CloseAsync();
        _consoleErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task Keys_CreateThenRevoke_TheRevokedKeyGets401()
    {
        var page = await SignInAsync(server.AdminKey);
        await page.GetByRole(AriaRole.Link, new() { Name = "Admin", Exact = true }).ClickAsync();
        await page.Locator("h1", new() { HasText = "API keys" }).WaitForAsync();

        var name = $"ci-reader-{Guid.NewGuid():N}"[..18];
        await page.Locator("#key-name").FillAsync(name);
        await page.Locator("#key-role").SelectOptionAsync("viewer");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.WaitForAsync();
        var secret = await page.Locator("#created-key").InputValueAsync();
        secret.ShouldNotBeNullOrWhiteSpace();
        await ScreenshotsAsync(page, "admin-key-created");
        await dialog.Locator("button.close").ClickAsync();
        (await page.Locator("#created-key").CountAsync()).ShouldBe(0); // shown once: closing forgets it

        using (var holder = server.Client(secret))
        {
            (await holder.GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var row = page.Locator("table.keys tr", new() { HasText = name });
        (await row.Locator(".key-state").InnerTextAsync()).ShouldBe("active");
        (await row.InnerTextAsync()).ShouldContain("viewer");
        await ScreenshotsAsync(page, "admin-keys");
        await row.Locator("button.revoke").ClickAsync();
        await row.Locator("button.confirm-revoke").ClickAsync();
        await row.Locator(".key-state", new() { HasText = "revoked" }).WaitForAsync();

        using (var holder = server.Client(secret))
        {
            (await holder.GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        // The audit log shows both acts; the action filter narrows it to the revocation.
        await page.GetByRole(AriaRole.Link, new() { Name = "Audit log" }).ClickAsync();
        await page.Locator("table.audit").WaitForAsync();
        await page.Locator("#audit-action").FillAsync("key.revoke");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await page.Locator("table.audit tbody tr .audit-action", new() { HasText = "key.revoke" }).First.WaitForAsync();
        (await page.Locator("table.audit tbody tr .audit-action").AllInnerTextsAsync()).ShouldAllBe(action => action == "key.revoke");
        await ScreenshotsAsync(page, "admin-audit");

        await page.GetByRole(AriaRole.Link, new() { Name = "Prompts" }).ClickAsync();
        await page.Locator("section.prompt").First.WaitForAsync();
        await ScreenshotsAsync(page, "admin-prompts");

        await page.GetByRole(AriaRole.Link, new() { Name = "Health" }).ClickAsync();
        await page.Locator("section.health-probe[data-probe='ready'] .health-status", new() { HasText = "healthy" }).WaitForAsync();
        await ScreenshotsAsync(page, "admin-health");

        await page.CloseAsync();
        _consoleErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task SignIn_ViewerKey_SeesNoAdminLinksAndAdminPagesSayNotAllowed()
    {
        using var admin = server.Client();
        var created = await admin.PostAsJsonAsync("/v1/keys", new { role = "viewer", name = "viewer-in-browser" });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var viewerKey = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;

        var page = await SignInAsync(viewerKey);
        (await page.Locator(".who").InnerTextAsync()).ShouldContain("viewer");
        var links = await page.Locator("header nav a").AllInnerTextsAsync();
        links.ShouldBe(["Chat", "Documents"]);
        await ScreenshotsAsync(page, "viewer-chat");

        foreach (var path in new[] { "/admin/keys", "/admin/audit", "/approvals" })
        {
            await page.GotoAsync(server.Url + path); // session storage keeps the key across the reload
            await page.Locator("[data-interactive=true]").WaitForAsync(new() { Timeout = 120_000 });
            await page.Locator(".not-allowed").WaitForAsync();
            (await page.Locator(".not-allowed").InnerTextAsync()).ShouldContain("Not allowed: this page is for administrators. Your key's role is viewer.");
            (await page.Locator("table").CountAsync()).ShouldBe(0);
        }

        await ScreenshotsAsync(page, "viewer-not-allowed");
        await page.CloseAsync();
        _consoleErrors.ShouldBeEmpty();
    }

    /// <summary>A new tab (its own session storage) on the console, signed in with <paramref name="key"/>.</summary>
    private async Task<IPage> SignInAsync(string key)
    {
        var page = await server.Browser.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (_consoleErrors)
                {
                    _consoleErrors.Add(message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_consoleErrors)
            {
                _consoleErrors.Add(error);
            }
        };
        await page.GotoAsync(server.Url + "/");
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { Timeout = 120_000 });
        await page.Locator("#api-key").FillAsync(key);
        await page.Locator("#api-key").PressAsync("Enter");
        await page.Locator("header nav").WaitForAsync();
        return page;
    }

    /// <summary>
    /// Screenshots of the page (desktop, phone, dark) under TestResults/console/ and its axe-core scan, through the shared
    /// harness; fails on any serious or critical violation.
    /// </summary>
    private static async Task ScreenshotsAsync(IPage page, string name) =>
        (await ConsoleBrowser.CheckPageAsync(page, name)).ShouldBeEmpty();
}
