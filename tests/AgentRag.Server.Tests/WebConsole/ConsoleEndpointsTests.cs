using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentRag.WebConsole.Api;
using AgentRag.WebConsole.State;
using AgentRag.TestKit;

namespace AgentRag.Server.Tests.WebConsole;

/// <summary>
/// What the web console needs from the server: the console itself at <c>/</c> under its CSP, <c>/v1/auth/status</c>,
/// the passage with its context, the original download, and event streams the console's own records decode.
/// </summary>
public sealed class ConsoleEndpointsTests : IClassFixture<ConsoleEndpointsTests.Server>
{
    private readonly Server _server;

    public ConsoleEndpointsTests(Server server) => _server = server;

    /// <summary>One open-mode server with R-data.pdf ingested, for the class.</summary>
    public sealed class Server : IAsyncLifetime
    {
        public AgentRagServerFactory Factory { get; } = new();

        public string DocumentId { get; private set; } = "";

        public async Task InitializeAsync()
        {
            var client = Factory.CreateClient();
            DocumentId = (await DocumentsApiTests.UploadAsync(client, ("R-data.pdf", File.ReadAllBytes(SharedPaths.CorpusFile("R-data.pdf"))))).Single();
            (await DocumentsApiTests.WaitForFinalEventAsync(client, DocumentId)).ShouldBe("ready");
        }

        public Task DisposeAsync()
        {
            Factory.Dispose();
            return Task.CompletedTask;
        }
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/documents")]
    [InlineData("/chat")]
    [InlineData("/approvals")]
    [InlineData("/admin")]
    [InlineData("/admin/keys")]
    [InlineData("/admin/health")]
    public async Task ConsolePage_ServesIndexWithTheConsolePolicyAndNoInlineScript(string path)
    {
        using var response = await _server.Factory.CreateClient().GetAsync(path);

        var html = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, html);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        html.ShouldContain("<script src=\"_framework/blazor.webassembly.js\"></script>");
        System.Text.RegularExpressions.Regex.Matches(html, "<script(?![^>]*\\bsrc=)[^>]*>").ShouldBeEmpty("every script is an external file");
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        policy.ShouldContain("script-src 'self' 'wasm-unsafe-eval'");
        policy.ShouldNotContain("unsafe-inline");
        policy.ShouldNotContain("'unsafe-eval'");
        policy.ShouldContain("frame-ancestors 'none'");
    }

    [Fact]
    public async Task ConsoleAssets_BootScriptAndRuntimeAreServed()
    {
        var client = _server.Factory.CreateClient();
        foreach (var path in new[] { "/_framework/blazor.webassembly.js", "/_framework/dotnet.js", "/js/console.js", "/css/console.css" })
        {
            using var response = await client.GetAsync(path);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, path);
        }
    }

    [Fact]
    public async Task ApiRoutes_AreNotAnsweredWithTheConsole()
    {
        using var response = await _server.Factory.CreateClient().GetAsync("/v1/no-such-route");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Headers.GetValues("Content-Security-Policy").Single().ShouldBe("default-src 'none'; frame-ancestors 'none'");
    }

    [Fact]
    public async Task AuthStatus_OpenMode_TheLocalPlatformAdministrator()
    {
        var status = await _server.Factory.CreateClient().GetFromJsonAsync<JsonElement>("/v1/auth/status");

        status.GetProperty("mode").GetString().ShouldBe("open");
        status.GetProperty("authenticated").GetBoolean().ShouldBeTrue();
        status.GetProperty("role").GetString().ShouldBe("platform-admin");
        status.GetProperty("tenant").GetString().ShouldBe("default");
    }

    [Fact]
    public async Task Passage_QuoteByText_TheQuoteWithTwoSentencesEachSide()
    {
        var client = _server.Factory.CreateClient();
        var page = await client.GetFromJsonAsync<JsonElement>($"/v1/documents/{_server.DocumentId}/pages/5");
        var text = page.GetProperty("text").GetString()!;
        var sentences = System.Text.RegularExpressions.Regex.Split(System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " "), @"(?<=\.) (?=[A-Z])");
        var quote = sentences.Skip(3).First(s => s.Length > 40);

        var passage = await client.GetFromJsonAsync<JsonElement>(
            $"/v1/documents/{_server.DocumentId}/passage?page=5&quote={Uri.EscapeDataString(quote)}");

        passage.GetProperty("quoteLocated").GetBoolean().ShouldBeTrue();
        passage.GetProperty("quote").GetString().ShouldBe(quote.Trim());
        passage.GetProperty("page").GetInt32().ShouldBe(5);
        passage.GetProperty("pageCount").GetInt32().ShouldBe(41);
        passage.GetProperty("documentName").GetString().ShouldBe("R-data.pdf");
        passage.GetProperty("originalUrl").GetString().ShouldBe($"/v1/documents/{_server.DocumentId}/original");
        var collapsed = System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");
        collapsed.ShouldContain($"{passage.GetProperty("before").GetString()} {quote.Trim()} {passage.GetProperty("after").GetString()}".Trim());
        passage.GetProperty("before").GetString()!.Length.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Passage_QuoteBySpan_TheSpansText()
    {
        var client = _server.Factory.CreateClient();
        var text = (await client.GetFromJsonAsync<JsonElement>($"/v1/documents/{_server.DocumentId}/pages/5")).GetProperty("text").GetString()!;

        var passage = await client.GetFromJsonAsync<JsonElement>($"/v1/documents/{_server.DocumentId}/passage?page=5&start=100&end=160&context=0");

        passage.GetProperty("quote").GetString().ShouldBe(System.Text.RegularExpressions.Regex.Replace(text[100..160], @"\s+", " ").Trim());
        passage.GetProperty("before").GetString().ShouldBe("");
        passage.GetProperty("after").GetString().ShouldBe("");
    }

    [Theory]
    [InlineData("page=5", "Give the quote's span")]
    [InlineData("page=5&start=10", "Give both start and end")]
    [InlineData("page=5&start=10&end=5", "Give both start and end")]
    [InlineData("page=5&quote=x&context=9", "context must be 0–5")]
    [InlineData("page=5&start=0&end=999999", "is outside it")]
    public async Task Passage_BadRequest_400Saying(string query, string detail)
    {
        using var response = await _server.Factory.CreateClient().GetAsync($"/v1/documents/{_server.DocumentId}/passage?{query}");

        await DocumentsApiTests.ShouldBeProblemAsync(response, HttpStatusCode.BadRequest, detail);
    }

    [Fact]
    public async Task Passage_UnknownPageOrDocument_404()
    {
        var client = _server.Factory.CreateClient();
        using var page = await client.GetAsync($"/v1/documents/{_server.DocumentId}/passage?page=999&quote=x");
        await DocumentsApiTests.ShouldBeProblemAsync(page, HttpStatusCode.NotFound, "has no page 999");
        using var document = await client.GetAsync("/v1/documents/doc_missing/passage?page=1&quote=x");
        await DocumentsApiTests.ShouldBeProblemAsync(document, HttpStatusCode.NotFound, "No document");
    }

    [Fact]
    public async Task Original_TheUploadedBytesAsAnAttachment()
    {
        using var response = await _server.Factory.CreateClient().GetAsync($"/v1/documents/{_server.DocumentId}/original");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/octet-stream");
        response.Content.Headers.ContentDisposition!.DispositionType.ShouldBe("attachment");
        response.Content.Headers.ContentDisposition.FileName!.Trim('"').ShouldBe("R-data.pdf");
        (await response.Content.ReadAsByteArrayAsync()).ShouldBe(File.ReadAllBytes(SharedPaths.CorpusFile("R-data.pdf")));
        response.Headers.GetValues("Content-Security-Policy").Single().ShouldBe("default-src 'none'; frame-ancestors 'none'");
    }

    [Fact]
    public async Task Original_UnknownDocument_404()
    {
        using var response = await _server.Factory.CreateClient().GetAsync("/v1/documents/doc_missing/original");

        await DocumentsApiTests.ShouldBeProblemAsync(response, HttpStatusCode.NotFound, "No document");
    }

    [Fact]
    public async Task QueryStream_DecodedByTheConsolesTimeline_EndsAnsweredWithCitationsAndEveryStepDone()
    {
        var client = _server.Factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/queries")
        {
            Content = new StringContent("""{"query":"How do I read data from a file into R?","mode":"extractive"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);

        var timeline = new WorkflowTimeline("How do I read data from a file into R?");
        var types = new List<string>();
        foreach (var e in await SseClient.ReadAllAsync(response, TimeSpan.FromMinutes(2)))
        {
            types.Add(e.Type);
            timeline.Apply(e.Type, e.Data);
        }

        types.ShouldContain("plan");
        types[^1].ShouldBe("done");
        timeline.Done.ShouldNotBeNull();
        timeline.Done.Mode.ShouldBe("extractive");
        timeline.Answer.ShouldNotBeNullOrWhiteSpace();
        timeline.Citations.Count.ShouldBeGreaterThan(0);
        timeline.Citations.ShouldAllBe(c => c.DocumentName == "R-data.pdf" && c.Display.StartsWith("[R-data.pdf, p. ") && c.Quote.Length > 0);
        timeline.Steps.Count.ShouldBeGreaterThan(0);
        timeline.Steps.ShouldAllBe(s => s.State == StepState.Completed);

        // The console opens a citation through the passage endpoint with the citation's span: it finds the quote there.
        var citation = timeline.Citations[0];
        var span = citation.QuoteSpan.ShouldNotBeNull();
        var passage = await client.GetFromJsonAsync<JsonElement>(
            $"/v1/documents/{citation.DocumentId}/passage?page={span.Page}&start={span.Start}&end={span.End}");
        passage.GetProperty("quote").GetString()!.ShouldNotBeNullOrWhiteSpace();
        citation.Quote.ShouldContain(passage.GetProperty("quote").GetString()!);
    }
    [Fact]
    public async Task ApprovalStream_DecodedByTheConsolesInbox_ShowsTheRequestThenItsDecision()
    {
        var client = _server.Factory.CreateClient();
        using var ask = new HttpRequestMessage(HttpMethod.Post, "/v1/queries")
        {
            Content = new StringContent("""{"query":"How do I read data from a file into R?","approval":"before_answer"}""", Encoding.UTF8, "application/json"),
        };
        ask.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var query = await client.SendAsync(ask, HttpCompletionOption.ResponseHeadersRead);
        var approvalId = JsonDocument.Parse((await SseClient.ReadUntilAsync(query, "approval.required", TimeSpan.FromMinutes(2))).Data)
            .RootElement.GetProperty("approvalId").GetString()!;

        // The inbox follows the tenant's approval stream from its start, as the Approvals page does.
        using var stream = await SseClient.OpenAsync(client, "/v1/approvals/events");
        await using var events = SseClient.ReadEventsAsync(stream).GetAsyncEnumerator();
        var inbox = new ApprovalInbox();
        while (!inbox.Pending.Any(r => r.ApprovalId == approvalId))
        {
            (await events.MoveNextAsync()).ShouldBeTrue();
            inbox.Apply(events.Current.Type, events.Current.Data, events.Current.Id?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var request = inbox.Pending.Single(r => r.ApprovalId == approvalId);
        (request.Agent, request.Status, request.Risk, request.SuggestedDecision).ShouldBe(("synthesis", "pending", "low", "approve"));
        request.Reasons.ShouldBe(["before_answer"]);
        request.Action.ShouldContain("How do I read data from a file into R?");
        request.Impact.ShouldNotBeNullOrWhiteSpace();
        request.ExpiresAt.ShouldBeGreaterThan(request.CreatedAt!.Value);

        // The card's context and the arguments it modifies come from the request itself.
        var details = (await client.GetFromJsonAsync<ApprovalDetails>($"/v1/approvals/{approvalId}", WireJson.Options))!;
        details.Context.GetProperty("query").GetString().ShouldBe("How do I read data from a file into R?");
        details.Context.GetProperty("sources").GetArrayLength().ShouldBeGreaterThan(0);
        details.Inputs.ValueKind.ShouldBe(JsonValueKind.Object);

        using var reject = await client.PostAsJsonAsync($"/v1/approvals/{approvalId}/reject", new ApprovalDecisionBody("not now", null), WireJson.Options);
        reject.StatusCode.ShouldBe(HttpStatusCode.OK, await reject.Content.ReadAsStringAsync());
        while (inbox.History.All(h => h.Resolution.ApprovalId != approvalId))
        {
            (await events.MoveNextAsync()).ShouldBeTrue();
            inbox.Apply(events.Current.Type, events.Current.Data, events.Current.Id?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        inbox.Pending.ShouldNotContain(r => r.ApprovalId == approvalId);
        var decided = inbox.History[0];
        (decided.Resolution.Status, decided.Resolution.Decision, decided.Resolution.DecidedBy, decided.Resolution.Comment).ShouldBe(("rejected", "reject", "local", "not now"));
        decided.Request.ShouldBe(request);
    }
}
