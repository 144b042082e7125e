using System.Text.Json;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;
using Microsoft.Playwright;

namespace AgentRag.Server.Tests.WebConsole;

/// <summary>
/// <c>agentrag serve --auth required</c> whose chat model (the loopback OpenAI test server) answers every call with 500,
/// with no retries and two queries per key a day, an admin key made with <c>agentrag keys create</c>, and one browser.
/// </summary>
public sealed class FailingModelConsoleFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("agentrag-console-failing");
    private OpenAiTestServer? _model;

    public ConsoleBrowser Browser { get; private set; } = null!;

    public string ApiKey { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _model = await OpenAiTestServer.StartAsync();
        _model.Chat.Enqueue(50, () => ScriptedResponse.Error(500, "The test model is down."));
        var created = await CliProcess.RunAsync(["keys", "create", "--role", "admin", "--name", "console", "--json", "--data", _data.Path, "--log-format", "text"]);
        created.ExitCode.ShouldBe(0, created.ToString());
        ApiKey = JsonDocument.Parse(created.StandardOutput).RootElement.GetProperty("key").GetString()!;
        Browser = await ConsoleBrowser.StartAsync(_data.Path, ["--auth", "required"], new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = _model.BaseUrl.ToString(),
            ["OPENAI_API_KEY"] = "test-key",
            ["AGENTRAG_CHAT_MODEL"] = "down-model",
            ["AgentRag__Models__Resilience__MaxRetries"] = "0",
            ["AgentRag__Agents__UseModelPlanner"] = "false",
            ["AgentRag__Limits__Window"] = "1.00:00:00",
            ["AgentRag__Limits__QueriesPerWindow"] = "2",
        });
    }

    public async Task DisposeAsync()
    {
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
/// The console's clear states in Chromium: signing in with a key, a failing model (the answer says the model is
/// unavailable and answers from the documents), going offline, and a rate limit (with its wait). Each says so in its
/// own words; the pages pass the axe-core scan.
/// </summary>
public sealed class ConsoleFailureBrowserTests(FailingModelConsoleFixture fixture) : IClassFixture<FailingModelConsoleFixture>
{
    private ConsoleBrowser Browser => fixture.Browser;

    [Fact]
    public async Task Console_FailingModelOfflineAndRateLimited_EachShowsItsOwnClearMessage()
    {
        var page = await Browser.OpenAsync("/");
        await page.Locator("#api-key").WaitForAsync();
        var violations = new List<AxeViolation>(await ConsoleBrowser.CheckPageAsync(page, "sign-in"));
        await page.Locator("#api-key").FillAsync(fixture.ApiKey);
        await page.Locator("#api-key").PressAsync("Enter");
        await page.GetByRole(AriaRole.Link, new() { Name = "Documents" }).ClickAsync();
        await page.Locator("#files").SetInputFilesAsync(SharedPaths.CorpusFile("nodejs-process.md"));
        await page.Locator("li.upload-ready[data-file='nodejs-process.md']").WaitForAsync(new() { Timeout = 120_000 });
        await page.GetByRole(AriaRole.Link, new() { Name = "Chat" }).ClickAsync();

        // The model answers 500: the turn says the model is unavailable, and the answer comes from the documents.
        await page.Locator("#question").FillAsync("What does the beforeExit event do?");
        await page.Locator("#question").PressAsync("Enter");
        var first = page.Locator("article.turn").Nth(0);
        await first.Locator(".answer-meta").WaitForAsync(new() { Timeout = 120_000 });
        var down = first.Locator(".failure[data-kind=ModelUnavailable]");
        (await down.Locator(".failure-title").InnerTextAsync()).ShouldBe("The model is unavailable");
        (await down.Locator(".failure-detail").InnerTextAsync()).ShouldContain("The chat model failed");
        (await down.Locator(".failure-advice").InnerTextAsync()).ShouldBe("The answer below quotes the documents instead of using the model.");
        (await first.Locator(".answer-meta .mode").InnerTextAsync()).ShouldBe("Extractive answer (no model)");
        (await first.Locator(".answer").InnerTextAsync()).ShouldNotBeNullOrWhiteSpace();
        violations.AddRange(await ConsoleBrowser.CheckPageAsync(page, "chat-model-down"));

        // Offline: the request never leaves the browser.
        await Browser.Context.SetOfflineAsync(true);
        await page.Locator("#question").FillAsync("What does process.exit do?");
        await page.Locator("#question").PressAsync("Enter");
        var offline = page.Locator("article.turn").Nth(1).Locator(".failure[data-kind=Offline]");
        (await offline.Locator(".failure-title").InnerTextAsync()).ShouldBe("You are offline, or the server cannot be reached");
        (await offline.Locator(".failure-advice").InnerTextAsync()).ShouldContain("online");
        await Browser.Context.SetOfflineAsync(false);

        // The second query of the window is answered; the third is refused with the wait the server gave.
        await page.Locator("#question").FillAsync("What does process.cwd return?");
        await page.Locator("#question").PressAsync("Enter");
        await page.Locator("article.turn").Nth(2).Locator(".answer-meta").WaitForAsync(new() { Timeout = 120_000 });
        await page.Locator("#question").FillAsync("And process.argv?");
        await page.Locator("#question").PressAsync("Enter");
        var fourth = page.Locator("article.turn").Nth(3);
        await fourth.Locator(".failure, .answer-meta").First.WaitForAsync(new() { Timeout = 120_000 });
        var limited = fourth.Locator(".failure[data-kind=RateLimited]");
        (await limited.CountAsync()).ShouldBe(1, await fourth.InnerTextAsync());
        (await limited.Locator(".failure-title").InnerTextAsync()).ShouldMatch(@"^Rate limited: try again in \d+ s$");
        violations.AddRange(await ConsoleBrowser.CheckPageAsync(page, "chat-failures"));

        violations.ShouldBeEmpty();

        // The browser logs the refused and failed fetches themselves; anything else is an error of the console.
        Browser.ConsoleErrorsOf(page).Where(e => !e.Contains("status of 429", StringComparison.Ordinal) && !e.Contains("ERR_INTERNET_DISCONNECTED", StringComparison.Ordinal))
            .ShouldBeEmpty();
    }
}
