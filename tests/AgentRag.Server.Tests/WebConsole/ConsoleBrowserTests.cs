using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.TestKit;
using Microsoft.Playwright;

namespace AgentRag.Server.Tests.WebConsole;

/// <summary>One <c>agentrag serve</c> in open mode on loopback (no model: extractive answers) and one browser, for a test class.</summary>
public sealed class OpenModeConsoleFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("agentrag-console");

    public ConsoleBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync() => Browser = await ConsoleBrowser.StartAsync(_data.Path);

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
/// The web console in Debian's Chromium against <c>agentrag serve</c> (the built CLI as a child process, open mode on
/// loopback, no model: extractive answers): the done-when flows of issue 19 this server can show. Every flow fails on any
/// browser console error (a CSP refusal is one) and on any serious or critical axe-core violation of the pages it visits;
/// screenshots of each page at desktop and phone widths go to <c>TestResults/console/</c>.
/// </summary>
public sealed class ConsoleBrowserTests(OpenModeConsoleFixture fixture) : IClassFixture<OpenModeConsoleFixture>
{
    private const string Question = "How do I assign a value to a variable in R?";

    private ConsoleBrowser Browser => fixture.Browser;

    [Fact]
    public async Task Console_UploadToReady_AskStreamCiteRateAndFollowUp_ThenReopenAndDeleteTheConversation()
    {
        var violations = new List<AxeViolation>();
        var page = await Browser.OpenAsync("/documents");

        // Upload: the file goes through the drop zone's input and is followed to ready over the document's event stream.
        await page.Locator("#files").SetInputFilesAsync(SharedPaths.CorpusFile("R-intro.pdf"));
        await page.Locator("li.upload-ready[data-file='R-intro.pdf']").WaitForAsync(new() { Timeout = 180_000 });
        var row = page.Locator("table.library tr", new() { HasText = "R-intro.pdf" });
        await row.Locator(".status-ready").WaitForAsync();
        (await row.InnerTextAsync()).ShouldContain("113");
        violations.AddRange(await ConsoleBrowser.CheckPageAsync(page, "documents"));

        // The library's search filters by name.
        await page.Locator("#library-search").FillAsync("no such file");
        (await page.Locator("p.empty[role=status]").InnerTextAsync()).ShouldBe("No document matches “no such file”.");
        await page.Locator("#library-search").FillAsync("r-INTRO");
        await row.WaitForAsync();

        // The document page: metadata and the chunk list.
        await row.Locator("a.document-link").ClickAsync();
        await page.Locator(".chunk-list li.chunk").First.WaitForAsync();
        (await page.Locator("h1.document-title").InnerTextAsync()).ShouldBe("R-intro.pdf");
        var meta = await page.Locator("dl.document-meta").InnerTextAsync();
        meta.ShouldContain("113");
        meta.ShouldContain("application/pdf");
        var chunks = await page.Locator(".chunk-list li.chunk").CountAsync();
        meta.ShouldContain(chunks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await page.Locator(".chunk-list li.chunk .chunk-pages").First.InnerTextAsync()).ShouldStartWith("p");
        violations.AddRange(await ConsoleBrowser.CheckPageAsync(page, "document"));

        // Ask: Enter sends the question; the timeline and the streamed answer appear, then the cited answer.
        await page.GetByRole(AriaRole.Link, new() { Name = "Chat" }).ClickAsync();
        (await page.Locator(".history .empty").InnerTextAsync()).ShouldContain("No conversations yet");
        await page.Locator("#question").FillAsync(Question);
        await page.Locator("#question").PressAsync("Enter");
        var turn = page.Locator("article.turn").First;
        await turn.Locator(".answer-meta").WaitForAsync(new() { Timeout = 120_000 });
        (await turn.Locator(".timeline-step").CountAsync()).ShouldBeGreaterThan(0);
        (await turn.Locator(".timeline-step.step-completed").CountAsync()).ShouldBeGreaterThan(0);
        (await turn.Locator(".answer").InnerTextAsync()).ShouldNotBeNullOrWhiteSpace();
        (await turn.Locator(".confidence").InnerTextAsync()).ShouldMatch(@"^Confidence \d{1,3}%$");

        // The first citation opens the passage: R-intro.pdf page 14, the quote highlighted.
        var chip = turn.Locator(".citation-chip").First;
        (await chip.InnerTextAsync()).ShouldBe("[R-intro.pdf, p. 14]");
        await chip.ClickAsync();
        var quote = page.Locator(".citation-panel mark.quote");
        await quote.WaitForAsync();
        (await quote.InnerTextAsync()).ShouldContain("assignment");
        (await page.Locator(".citation-panel h2").InnerTextAsync()).ShouldBe("R-intro.pdf, p. 14");
        (await page.Locator(".citation-panel .page").InnerTextAsync()).ShouldBe("Page 14 of 113");
        (await page.Locator(".citation-panel a.original").GetAttributeAsync("href")).ShouldStartWith("/v1/documents/");

        // Thumbs up is stored as the caller's feedback on the answer's workflow.
        await turn.Locator("button.rate-up").ClickAsync();
        await turn.Locator(".rating .rated").WaitForAsync();
        (await turn.Locator("button.rate-up").GetAttributeAsync("aria-pressed")).ShouldBe("true");
        var workflowId = (await turn.GetAttributeAsync("data-workflow"))!;
        using var api = new HttpClient { BaseAddress = new Uri(Browser.Url) };
        (await api.GetFromJsonAsync<JsonElement>($"/v1/queries/{workflowId}/feedback")).GetProperty("rating").GetString().ShouldBe("up");

        // The conversation is in the history, titled by its question.
        var history = page.Locator(".history li.history-item");
        await history.First.WaitForAsync();
        (await history.CountAsync()).ShouldBe(1);
        (await history.First.Locator(".history-title").InnerTextAsync()).ShouldBe(Question);
        violations.AddRange(await ConsoleBrowser.CheckPageAsync(page, "chat"));

        // The answer's follow-ups (from the headings of the passages it found) ask themselves, in the same conversation.
        var followUps = turn.Locator("button.follow-up");
        (await followUps.CountAsync()).ShouldBeInRange(1, 3);
        var followUp = await followUps.First.InnerTextAsync();
        await followUps.First.ClickAsync();
        var second = page.Locator("article.turn").Nth(1);
        await second.Locator(".answer-meta, .error, .failure").First.WaitForAsync(new() { Timeout = 120_000 });
        (await second.Locator(".question").InnerTextAsync()).ShouldBe(followUp);
        await page.Locator(".history .history-meta", new() { HasTextString = "2 questions" }).WaitForAsync();

        // A new conversation starts empty; reopening the old one shows both turns with their cited answers.
        await page.Locator("button.new-conversation").ClickAsync();
        (await page.Locator("article.turn").CountAsync()).ShouldBe(0);
        await history.First.Locator("button.open").ClickAsync();
        await page.Locator("article.turn").Nth(1).WaitForAsync();
        var reopened = page.Locator("article.turn").First;
        (await reopened.Locator(".question").InnerTextAsync()).ShouldBe(Question);
        (await reopened.Locator(".citation-chip").First.InnerTextAsync()).ShouldBe("[R-intro.pdf, p. 14]");
        (await reopened.Locator(".confidence").InnerTextAsync()).ShouldStartWith("Confidence ");
        (await history.First.Locator("button.open").GetAttributeAsync("aria-current")).ShouldBe("true");
        violations.AddRange(await ConsoleBrowser.CheckPageAsync(page, "chat-reopened"));

        // Deleting it empties the history and the server forgets it.
        await history.First.Locator("button.delete").ClickAsync();
        await page.Locator(".history .empty").WaitForAsync();
        (await page.Locator("article.turn").CountAsync()).ShouldBe(0);
        (await api.GetFromJsonAsync<JsonElement>("/v1/sessions")).GetProperty("total").GetInt32().ShouldBe(0);

        violations.ShouldBeEmpty();
        Browser.ConsoleErrorsOf(page).ShouldBeEmpty();
    }

    [Fact]
    public async Task Console_UploadedHtmlWithScriptAndImgOnerror_ShowsAsTextAndNothingRuns()
    {
        using var folder = new TempDirectory("agentrag-hostile");
        var file = folder.Combine("hostile <img src=x onerror=alert(1)>.html");
        await File.WriteAllTextAsync(file, """
            <!doctype html>
            <html><head><title>Quarantine notes</title><script>window.__agentragXss = "script";</script></head>
            <body>
            <h1>Quarantine notes</h1>
            <p>Keep every sample sealed <img src="x" onerror="window.__agentragXss = 'img'"> until the lab confirms it.</p>
            <p>Literal markup stays text: &lt;img src=x onerror="window.__agentragXss='text'"&gt; and &lt;script&gt;window.__agentragXss='text'&lt;/script&gt;.</p>
            </body></html>
            """);
        var page = await Browser.OpenAsync("/documents");

        await page.Locator("#files").SetInputFilesAsync(file);
        var name = Path.GetFileName(file);
        await page.Locator("li.upload-ready", new() { HasTextString = "hostile" }).WaitForAsync(new() { Timeout = 120_000 });
        (await page.Locator("li.upload .upload-name", new() { HasTextString = "hostile" }).InnerTextAsync()).ShouldBe(name);
        var row = page.Locator("table.library tr", new() { HasTextString = "hostile" });
        (await row.Locator("a.document-link").InnerTextAsync()).ShouldBe(name);

        await row.Locator("a.document-link").ClickAsync();
        var text = page.Locator(".chunk-list .chunk-text");
        await text.First.WaitForAsync();
        (await page.Locator("h1.document-title").InnerTextAsync()).ShouldBe(name);
        var shown = string.Join("\n", await text.AllInnerTextsAsync());
        shown.ShouldContain("Keep every sample sealed");
        shown.ShouldContain("<img src=x onerror=\"window.__agentragXss='text'\">");
        shown.ShouldContain("<script>window.__agentragXss='text'</script>");
        (await page.Locator(".chunk-list img, .chunk-list script, main img, main script").CountAsync()).ShouldBe(0);
        (await page.EvaluateAsync<string?>("() => window.__agentragXss ?? null")).ShouldBeNull();
        var violations = await ConsoleBrowser.CheckPageAsync(page, "document-hostile");

        // The console's own page for an address it does not know (navigated to inside the app, as a stale link would be).
        await page.EvaluateAsync("() => Blazor.navigateTo('/no-such-page')");
        await page.GetByRole(AriaRole.Heading, new() { Name = "Not found" }).WaitForAsync();
        violations = [.. violations, .. await ConsoleBrowser.CheckPageAsync(page, "not-found")];

        (await page.EvaluateAsync<string?>("() => window.__agentragXss ?? null")).ShouldBeNull();
        violations.ShouldBeEmpty();
        Browser.ConsoleErrorsOf(page).ShouldBeEmpty();
    }
}
