using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.Server.Tests.Sharing;
using AgentRag.TestKit;
using Microsoft.Playwright;

namespace AgentRag.Server.Tests.WebConsole;

/// <summary>
/// One <c>agentrag serve --auth required</c> (R-data.pdf ingested, an admin key made by <c>agentrag keys create</c>, no
/// model: extractive answers) and one Chromium, for the users' finishing features.
/// </summary>
public sealed class FinishingConsoleFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("agentrag-console-finishing");

    public ConsoleBrowser Browser { get; private set; } = null!;

    public string AdminKey { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var ingest = await CliProcess.RunAsync(["ingest", SharedPaths.CorpusFile("R-data.pdf"), "--data", _data.Path, "--log-format", "text"]);
        ingest.ExitCode.ShouldBe(0, ingest.ToString());
        var created = await CliProcess.RunAsync(["keys", "create", "--role", "admin", "--name", "brand-admin", "--json", "--data", _data.Path, "--log-format", "text"]);
        created.ExitCode.ShouldBe(0, created.ToString());
        AdminKey = JsonDocument.Parse(created.StandardOutput).RootElement.GetProperty("key").GetString()!;
        Browser = await ConsoleBrowser.StartAsync(_data.Path, ["--auth", "required"]);
    }

    /// <summary>A client of the server with the admin key.</summary>
    public HttpClient Client()
    {
        var http = new HttpClient { BaseAddress = new Uri(Browser.Url), Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return http;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _data.Dispose();
    }
}

/// <summary>
/// Issue 24's user-facing done-when flows in Debian's Chromium: a branded tenant's console shows its logo and colours; a
/// share link opens the answer read-only without signing in and stops working once revoked (expiry is checked over
/// HTTP on a manual clock in <see cref="FinishingFeaturesApiTests"/>: the served CLI runs on the real clock); the BibTeX
/// export parses; the citation panel shows the page image and the document page its thumbnails. Every flow fails on any
/// browser console error (except the 410 the revoked link is expected to answer) and on any serious or critical axe-core
/// violation; screenshots go to <c>TestResults/console/</c>.
/// </summary>
public sealed class ConsoleFinishingBrowserTests(FinishingConsoleFixture fixture) : IClassFixture<FinishingConsoleFixture>
{
    private const string Question = "How do I read a CSV file into a data frame?";

    private ConsoleBrowser Browser => fixture.Browser;

    [Fact]
    public async Task Branding_AdminSetsNameColoursAndLogo_TheConsoleShowsThem()
    {
        var page = await SignedInAsync("/admin/branding");
        await page.Locator("#product-name").FillAsync("Acme Answers");
        await page.Locator("#primary-color").FillAsync("#0b5394");
        await page.Locator("#accent-color").FillAsync("#b45f06");
        await page.Locator("form.branding-form button[type=submit]").ClickAsync();
        await page.Locator("p.saved[role=status]").WaitForAsync();
        await page.Locator("#logo-file").SetInputFilesAsync(new FilePayload { Name = "logo.png", MimeType = "image/png", Buffer = Logo() });
        await page.Locator("img.branding-preview").WaitForAsync();
        var violations = (await ConsoleBrowser.CheckPageAsync(page, "admin-branding")).ToList();

        // A fresh load applies the branding: logo and name in the header, the name in the title, the colours as variables.
        await page.ReloadAsync();
        await ConsoleBrowser.WaitUntilInteractiveAsync(page);
        await page.Locator("header .brand-logo").WaitForAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('header .brand-logo').naturalWidth > 0");
        (await page.Locator("header .brand-name").InnerTextAsync()).ShouldBe("Acme Answers");
        (await page.EvaluateAsync<string>("() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")).ShouldBe("#0b5394");
        (await page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('header.top')).borderBottomColor")).ShouldBe("rgb(180, 95, 6)");
        await page.WaitForFunctionAsync("() => document.title.endsWith('Acme Answers')");
        violations.AddRange(await ConsoleBrowser.CheckPageAsync(page, "branded-console"));

        violations.ShouldBeEmpty();
        Browser.ConsoleErrorsOf(page).ShouldBeEmpty();
    }

    [Fact]
    public async Task Share_LinkOpensTheAnswerWithoutSignIn_ThenStopsOnceRevoked()
    {
        var page = await SignedInAsync("/");
        var turn = await AskAsync(page);
        await turn.Locator("button.share").ClickAsync();
        var link = turn.Locator(".share-link a");
        await link.WaitForAsync();
        var url = await link.InnerTextAsync();
        url.ShouldStartWith(Browser.Url + "/shared/ars_");
        var answer = await turn.Locator(".answer").InnerTextAsync();

        // A new tab has its own session storage: no credential. The answer opens read-only, with no way into the tenant.
        var reader = await Browser.OpenAsync(new Uri(url).PathAndQuery);
        await reader.Locator(".shared-answer h2.question").WaitForAsync();
        (await reader.Locator(".shared-answer h2.question").InnerTextAsync()).ShouldBe(Question);
        (await reader.Locator(".shared-answer .answer").InnerTextAsync()).ShouldBe(answer);
        (await reader.Locator(".shared-sources li").CountAsync()).ShouldBeGreaterThan(0);
        (await reader.Locator("header nav").CountAsync()).ShouldBe(0);
        (await reader.Locator("#api-key").CountAsync()).ShouldBe(0);
        var violations = (await ConsoleBrowser.CheckPageAsync(reader, "shared-answer")).ToList();

        // The admin revokes it on the share links page; the same link now says it no longer opens an answer.
        await page.GotoAsync(Browser.Url + "/admin/shares");
        await ConsoleBrowser.WaitUntilInteractiveAsync(page);
        var row = page.Locator("table.shares tr", new() { HasText = "active" }).First;
        await row.WaitForAsync();
        violations.AddRange(await ConsoleBrowser.CheckPageAsync(page, "admin-shares"));
        await row.Locator("button.revoke").ClickAsync();
        await page.Locator("table.shares td.state-revoked").First.WaitForAsync();

        await reader.ReloadAsync();
        await ConsoleBrowser.WaitUntilInteractiveAsync(reader);
        var refused = reader.Locator(".shared-answer .error[role=alert]");
        await refused.WaitForAsync();
        (await refused.InnerTextAsync()).ShouldContain("revoked");
        violations.AddRange(await ConsoleBrowser.CheckPageAsync(reader, "shared-answer-revoked"));

        violations.ShouldBeEmpty();
        Browser.ConsoleErrorsOf(page).ShouldBeEmpty();
        // The browser logs the refused fetch itself ("status of 410"); that refusal is what this test expects.
        Browser.ConsoleErrorsOf(reader).Where(e => !e.Contains("status of 410", StringComparison.Ordinal)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Citations_PageImageInThePanel_BibTexExportParses_AndThumbnailsOnTheDocumentPage()
    {
        var page = await SignedInAsync("/");

        // Filters: restricted to the one document and a date range it is in, the answer cites only it.
        await page.Locator("details.filters summary").ClickAsync();
        await page.Locator("#filter-documents").SelectOptionAsync(new SelectOptionValue { Label = "R-data.pdf" });
        await page.Locator("#filter-after").FillAsync("2020-01-01"); // the PDF is dated 2023-01-20
        (await page.Locator("details.filters summary").InnerTextAsync()).ShouldContain("1 document, 2020-01-01 – …");
        var turn = await AskAsync(page);
        (await turn.Locator(".citation-chip").AllInnerTextsAsync()).ShouldAllBe(chip => chip.Contains("R-data.pdf"));

        // The citation panel shows the cited page as an image.
        await turn.Locator(".citation-chip").First.ClickAsync();
        await page.Locator(".citation-panel .page-image img[data-loaded]").WaitForAsync();
        (await page.EvaluateAsync<int>("() => document.querySelector('.citation-panel .page-image img').naturalWidth")).ShouldBe(480);
        var violations = (await ConsoleBrowser.CheckPageAsync(page, "chat-page-image")).ToList();

        // The BibTeX export downloads and parses.
        var download = await page.RunAndWaitForDownloadAsync(() => turn.Locator("button.export-bibtex").ClickAsync());
        download.SuggestedFilename.ShouldEndWith(".bib");
        var path = await download.PathAsync();
        var entries = StrictBibTex.Parse(await File.ReadAllTextAsync(path!));
        // One entry per citation; a citation's chip may appear several times in the answer.
        entries.Count.ShouldBe(await turn.Locator(".citation-chip").EvaluateAllAsync<int>("chips => new Set(chips.map(c => c.dataset.citation)).size"));
        entries.ShouldAllBe(e => e.Fields["howpublished"].Contains("R-data.pdf"));

        // The document page: thumbnails of its pages, loaded as they come into view.
        using var http = fixture.Client();
        var documents = await http.GetFromJsonAsync<JsonElement>("/v1/documents");
        var id = documents.GetProperty("items")[0].GetProperty("id").GetString();
        await page.GotoAsync($"{Browser.Url}/documents/{id}");
        await ConsoleBrowser.WaitUntilInteractiveAsync(page);
        await page.Locator("ol.thumbnails li").Nth(40).WaitForAsync(); // the list renders once the document is read
        (await page.Locator("ol.thumbnails li").CountAsync()).ShouldBe(41);
        await page.Locator("ol.thumbnails img[data-loaded]").First.WaitForAsync();
        (await page.EvaluateAsync<int>("() => document.querySelector('ol.thumbnails img[data-loaded]').naturalWidth")).ShouldBe(160);
        (await page.Locator("ol.thumbnails img:not([data-loaded])").CountAsync()).ShouldBeGreaterThan(0); // lazy: far pages not fetched
        violations.AddRange(await ConsoleBrowser.CheckPageAsync(page, "document-thumbnails"));

        violations.ShouldBeEmpty();
        Browser.ConsoleErrorsOf(page).ShouldBeEmpty();
    }

    /// <summary>Opens <paramref name="path"/> in a new tab and signs in with the admin key.</summary>
    private async Task<IPage> SignedInAsync(string path)
    {
        var page = await Browser.OpenAsync(path);
        await page.Locator("#api-key").FillAsync(fixture.AdminKey);
        await page.Locator("#api-key").PressAsync("Enter");
        await page.Locator("header nav").WaitForAsync();
        return page;
    }

    /// <summary>Asks <see cref="Question"/> in the chat and returns its turn once answered.</summary>
    private static async Task<ILocator> AskAsync(IPage page)
    {
        await page.Locator("#question").FillAsync(Question);
        await page.Locator("#question").PressAsync("Enter");
        var turn = page.Locator("article.turn").Last;
        await turn.Locator(".answer-meta").WaitForAsync(new() { Timeout = 120_000 });
        return turn;
    }

    /// <summary>A 24×24 checkered PNG (written with zlib and the PNG chunk CRCs), so the test needs no image file.</summary>
    private static byte[] Logo() => Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAABgAAAAYCAIAAABvFaqvAAAAJ0lEQVR42mPgDp6yJZ6NcpKBKqYASYZRF426aNRFoy4addGoi8gmAf7rTH/WCUqYAAAAAElFTkSuQmCC");
}
