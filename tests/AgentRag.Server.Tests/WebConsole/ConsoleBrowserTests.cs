using AgentRag.TestKit;
using Microsoft.Playwright;

namespace AgentRag.Server.Tests.WebConsole;

/// <summary>
/// The web console in Debian's Chromium against <c>agentrag serve</c> (the built CLI as a child process, open mode on
/// loopback, no model: extractive answers): the done-when flows of issue 19 that this slice covers. Every flow fails on
/// any browser console error (a CSP refusal is one). Screenshots go to <c>TestResults/console/</c>.
/// </summary>
public sealed class ConsoleBrowserTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new("agentrag-console");
    private readonly TempDirectory _profile = new("agentrag-chromium");
    private readonly List<string> _consoleErrors = [];
    private CliProcess? _server;
    private IPlaywright? _playwright;
    private IBrowserContext? _browser;
    private string _url = "";

    public async Task InitializeAsync()
    {
        _url = $"http://127.0.0.1:{FreePort.Next()}";
        _server = CliProcess.Start(["serve", "--urls", _url, "--data", _data.Path, "--log-format", "text"]);
        await _server.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchPersistentContextAsync(_profile.Path, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        _browser.SetDefaultTimeout(60_000);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _profile.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task Console_UploadToReady_ThenAskStreamAndOpenACitation()
    {
        var page = await OpenAsync("/documents");

        // Upload: the file goes through the drop zone's input and is followed to ready over the document's event stream.
        await page.Locator("#files").SetInputFilesAsync(SharedPaths.CorpusFile("R-intro.pdf"));
        await page.Locator("li.upload-ready[data-file='R-intro.pdf']").WaitForAsync(new() { Timeout = 180_000 });
        await page.Locator("table.library tr", new() { HasText = "R-intro.pdf" }).Locator(".status-ready").WaitForAsync();
        (await page.Locator("table.library tr", new() { HasText = "R-intro.pdf" }).InnerTextAsync()).ShouldContain("113");
        await ScreenshotsAsync(page, "documents");

        // Ask: Enter sends the question; the timeline and the streamed answer appear, then the cited answer.
        await page.GetByRole(AriaRole.Link, new() { Name = "Chat" }).ClickAsync();
        await page.Locator("#question").FillAsync("How do I assign a value to a variable in R?");
        await page.Locator("#question").PressAsync("Enter");
        await page.Locator(".turn .answer-meta").WaitForAsync(new() { Timeout = 120_000 });
        (await page.Locator(".turn .timeline-step").CountAsync()).ShouldBeGreaterThan(0);
        (await page.Locator(".turn .timeline-step.step-completed").CountAsync()).ShouldBeGreaterThan(0);
        (await page.Locator(".turn .answer").InnerTextAsync()).ShouldNotBeNullOrWhiteSpace();

        // The first citation opens the passage: R-intro.pdf page 14, the quote highlighted.
        var chip = page.Locator(".citation-chip").First;
        (await chip.InnerTextAsync()).ShouldBe("[R-intro.pdf, p. 14]");
        await chip.ClickAsync();
        var quote = page.Locator(".citation-panel mark.quote");
        await quote.WaitForAsync();
        (await quote.InnerTextAsync()).ShouldNotBeNullOrWhiteSpace();
        (await quote.InnerTextAsync()).ShouldContain("assignment");
        (await page.Locator(".citation-panel h2").InnerTextAsync()).ShouldBe("R-intro.pdf, p. 14");
        (await page.Locator(".citation-panel .page").InnerTextAsync()).ShouldBe("Page 14 of 113");
        (await page.Locator(".citation-panel a.original").GetAttributeAsync("href")).ShouldStartWith("/v1/documents/");
        await ScreenshotsAsync(page, "chat");

        _consoleErrors.ShouldBeEmpty();
    }

    /// <summary>Opens <paramref name="path"/> and waits until the app is interactive (Blazor drops earlier clicks).</summary>
    private async Task<IPage> OpenAsync(string path)
    {
        var page = await _browser!.NewPageAsync();
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
        await page.GotoAsync(_url + path);
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { Timeout = 120_000 });
        return page;
    }

    /// <summary>The page at desktop and phone widths, under TestResults/console/.</summary>
    private static async Task ScreenshotsAsync(IPage page, string name)
    {
        var folder = Path.Combine(SharedPaths.RepositoryRoot, "TestResults", "console");
        Directory.CreateDirectory(folder);
        await page.SetViewportSizeAsync(1280, 900);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{name}-desktop.png"), FullPage = true });
        await page.SetViewportSizeAsync(390, 844);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{name}-phone.png"), FullPage = true });
        await page.SetViewportSizeAsync(1280, 900);
    }
}
