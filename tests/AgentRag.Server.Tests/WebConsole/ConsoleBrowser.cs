using System.Text.Json;
using AgentRag.TestKit;
using Microsoft.Playwright;

namespace AgentRag.Server.Tests.WebConsole;

/// <summary>An accessibility violation axe-core found: its rule, impact, help text and the elements it is on.</summary>
public sealed record AxeViolation(string Page, string Id, string Impact, string Help, IReadOnlyList<string> Targets)
{
    public override string ToString() => $"{Page}: {Id} ({Impact}) {Help} at {string.Join(" | ", Targets)}";
}

/// <summary>
/// The web console under test in a real browser, shared by the console's browser test classes (one per class): starts
/// <c>agentrag serve</c> (the built CLI as a child process, on a free loopback port, with the class's arguments and
/// environment) and Debian's Chromium (headless, through Playwright), and gives every page it opens:
/// <list type="bullet">
/// <item>console-error capture (<see cref="ConsoleErrorsOf"/>: console errors, uncaught exceptions and JavaScript dialogs;
/// a CSP refusal is a console error), which every flow asserts empty;</item>
/// <item><see cref="CheckPageAsync"/>: screenshots at desktop (1280) and phone (390) widths, and dark at desktop, under
/// <c>TestResults/console/</c>, and an axe-core scan of each, returning the serious and critical violations.</item>
/// </list>
/// axe-core is vendored in <c>WebConsole/Axe</c> (MPL-2.0, with its licence; <c>update-axe.sh</c> replaces it) and run through
/// Playwright's evaluation, which the page's CSP does not govern, so the CSP stays on and is still checked.
/// </summary>
public sealed class ConsoleBrowser : IAsyncDisposable
{
    /// <summary>Desktop and phone viewports of the screenshots and scans.</summary>
    public static readonly (string Name, int Width, int Height)[] Viewports = [("desktop", 1280, 900), ("phone", 390, 844)];

    private static readonly Lazy<string> AxeSource = new(() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Axe", "axe.min.js")));

    private readonly TempDirectory _profile = new("agentrag-chromium");
    private readonly List<(IPage Page, string Error)> _consoleErrors = [];
    private CliProcess? _server;
    private IPlaywright? _playwright;
    private IBrowserContext? _context;

    private ConsoleBrowser(string url) => Url = url;

    /// <summary>The console's address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Url { get; }

    /// <summary>Console errors, uncaught exceptions and dialogs of <paramref name="page"/> (opened with <see cref="OpenAsync"/>) so far.</summary>
    public IReadOnlyList<string> ConsoleErrorsOf(IPage page)
    {
        lock (_consoleErrors)
        {
            return [.. _consoleErrors.Where(e => e.Page == page).Select(e => e.Error)];
        }
    }

    /// <summary>The browser context, for what a flow needs beyond pages (going offline, say).</summary>
    public IBrowserContext Context => _context!;

    /// <summary>Starts <c>agentrag serve --data <paramref name="dataPath"/></c> with <paramref name="serveArguments"/> and a browser.</summary>
    public static async Task<ConsoleBrowser> StartAsync(
        string dataPath, IEnumerable<string>? serveArguments = null, IDictionary<string, string?>? environment = null)
    {
        var browser = new ConsoleBrowser($"http://127.0.0.1:{FreePort.Next()}");
        try
        {
            browser._server = CliProcess.Start(
                ["serve", "--urls", browser.Url, "--data", dataPath, "--log-format", "text", .. serveArguments ?? []], environment);
            await browser._server.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
            browser._playwright = await Playwright.CreateAsync();
            browser._context = await browser._playwright.Chromium.LaunchPersistentContextAsync(browser._profile.Path, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = "/usr/bin/chromium",
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
                ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            });
            browser._context.SetDefaultTimeout(60_000);
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> in a new page and waits until the app is interactive (Blazor drops earlier clicks).
    /// <paramref name="beforeNavigation"/> prepares the page first (installs a fake clock, counts requests).
    /// </summary>
    public async Task<IPage> OpenAsync(string path, Func<IPage, Task>? beforeNavigation = null)
    {
        var page = await _context!.NewPageAsync();
        if (beforeNavigation is not null)
        {
            await beforeNavigation(page);
        }

        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Record(page, $"console: {message.Text}");
            }
        };
        page.PageError += (_, error) => Record(page, $"page error: {error}");
        page.Dialog += async (_, dialog) =>
        {
            Record(page, $"dialog ({dialog.Type}): {dialog.Message}");
            await dialog.DismissAsync();
        };
        await page.GotoAsync(Url + path);
        await WaitUntilInteractiveAsync(page);
        return page;
    }

    /// <summary>Waits for the console's interactive marker (after a navigation or a reload).</summary>
    public static Task WaitUntilInteractiveAsync(IPage page) =>
        page.Locator("[data-interactive=true]").WaitForAsync(new() { Timeout = 120_000 });

    /// <summary>
    /// Screenshots of the page as it is at desktop and phone widths (and dark at desktop) named
    /// <c>TestResults/console/{name}-{viewport}.png</c>, each scanned with axe-core; returns the serious and critical
    /// violations. Leaves the page at the desktop width, light.
    /// </summary>
    public static async Task<IReadOnlyList<AxeViolation>> CheckPageAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        var folder = Path.Combine(SharedPaths.RepositoryRoot, "TestResults", "console");
        Directory.CreateDirectory(folder);
        var violations = new List<AxeViolation>();
        foreach (var (viewport, width, height) in Viewports)
        {
            await page.SetViewportSizeAsync(width, height);
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{name}-{viewport}.png"), FullPage = true });
            violations.AddRange(await ScanAsync(page, $"{name} ({viewport})"));
        }

        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await page.SetViewportSizeAsync(1280, 900);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{name}-desktop-dark.png"), FullPage = true });
        violations.AddRange(await ScanAsync(page, $"{name} (desktop, dark)"));
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
        return violations;
    }

    /// <summary>Runs axe-core on the page as it is; returns its serious and critical violations.</summary>
    public static async Task<IReadOnlyList<AxeViolation>> ScanAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            // Wrapped in a function so that Playwright evaluates it (outside the page's CSP) rather than inserting a script.
            await page.EvaluateAsync("() => {\n" + AxeSource.Value + "\n}");
        }

        var violations = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const result = await window.axe.run(document, { resultTypes: ['violations'] });
              return result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')) }));
            }
            """);
        return [.. violations.EnumerateArray().Select(v => new AxeViolation(
            name, v.GetProperty("id").GetString()!, v.GetProperty("impact").GetString()!, v.GetProperty("help").GetString()!,
            [.. v.GetProperty("targets").EnumerateArray().Select(t => t.GetString()!)]))];
    }

    private void Record(IPage page, string error)
    {
        lock (_consoleErrors)
        {
            _consoleErrors.Add((page, error));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.CloseAsync();
        }

        _playwright?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _profile.Dispose();
    }
}
