using System.Net;
using System.Text;
using AgentRag.WebConsole.Api;
using AgentRag.WebConsole.Components;
using Bunit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.WebConsole.Tests;

/// <summary>The citation panel: the passage the citation points to, with the quote highlighted and its context.</summary>
public sealed class CitationPanelTests : BunitContext
{
    private readonly PassageServer _server = new();

    public CitationPanelTests()
    {
        JSInterop.Setup<string?>("sessionStorage.getItem", "agentrag.apiKey").SetResult("ark_test");

        // The page image is loaded by the browser helper (covered by the Chromium tests), not by bUnit.
        JSInterop.SetupVoid("AgentRagConsole.lazyImages", _ => true);
        Services.AddSingleton(new HttpClient(_server) { BaseAddress = new Uri("http://console.test/") });
        Services.AddSingleton<CredentialStore>();
        Services.AddSingleton<ConsoleApiClient>();
    }

    private static Citation Cited(SourceSpan? span = null) => new()
    {
        Number = 1,
        Display = "[R-intro.pdf, p. 14]",
        DocumentId = "doc_1",
        DocumentName = "R-intro.pdf",
        ChunkId = "chk_1",
        Page = 14,
        Quote = "R has a number of facilities for data manipulation.",
        QuoteSpan = span,
    };

    [Fact]
    public void Render_CitationWithSpan_AsksForThatSpanAndHighlightsTheQuoteInItsContext()
    {
        _server.Respond(HttpStatusCode.OK, """
            {"documentId":"doc_1","documentName":"R-intro.pdf","page":14,"pageCount":105,
             "before":"One sentence before. Another before.","quote":"The assignment operator is <-.","after":"After one. After two.",
             "quoteLocated":true,"originalUrl":"/v1/documents/doc_1/original"}
            """);

        var cut = Render<CitationPanel>(p => p.Add(c => c.Citation, Cited(new SourceSpan(14, 120, 150))));

        cut.WaitForAssertion(() => cut.Find("mark.quote").TextContent.ShouldBe("The assignment operator is <-."));
        _server.LastRequest!.RequestUri!.PathAndQuery.ShouldBe("/v1/documents/doc_1/passage?page=14&start=120&end=150");
        _server.LastRequest.Headers.Authorization!.ToString().ShouldBe("Bearer ark_test");
        var context = cut.FindAll(".context").Select(e => e.TextContent.Trim()).ToList();
        context.ShouldBe(["One sentence before. Another before.", "After one. After two."]);
        cut.Find("h2").TextContent.ShouldBe("R-intro.pdf, p. 14");
        cut.Find(".page").TextContent.ShouldBe("Page 14 of 105");
        cut.Find("a.original").GetAttribute("href").ShouldBe("/v1/documents/doc_1/original");
    }

    [Fact]
    public void Render_CitationWithoutSpan_AsksByTheQuoteText()
    {
        _server.Respond(HttpStatusCode.OK, """
            {"documentId":"doc_1","documentName":"R-intro.pdf","page":14,"pageCount":105,"before":"","quote":"q","after":"",
             "quoteLocated":false,"originalUrl":"/v1/documents/doc_1/original"}
            """);

        var cut = Render<CitationPanel>(p => p.Add(c => c.Citation, Cited()));

        cut.WaitForAssertion(() => cut.Find(".note").TextContent.ShouldContain("could not be located"));
        _server.LastRequest!.RequestUri!.Query.ShouldBe("?page=14&quote=R%20has%20a%20number%20of%20facilities%20for%20data%20manipulation.");
    }

    [Fact]
    public void Render_PassageWithMarkup_IsShownAsTextNotElements()
    {
        _server.Respond(HttpStatusCode.OK, """
            {"documentId":"doc_1","documentName":"<b>x</b>.html","page":0,"pageCount":0,
             "before":"<script>alert(1)</script>","quote":"<img src=x onerror=alert(2)>","after":"",
             "quoteLocated":true,"originalUrl":"/v1/documents/doc_1/original"}
            """);

        var cut = Render<CitationPanel>(p => p.Add(c => c.Citation, Cited(new SourceSpan(0, 0, 10))));

        cut.WaitForAssertion(() => cut.Find("mark.quote").TextContent.ShouldBe("<img src=x onerror=alert(2)>"));
        cut.FindAll("script, img, b").ShouldBeEmpty();
        cut.Find(".context").TextContent.Trim().ShouldBe("<script>alert(1)</script>");
    }

    [Fact]
    public void Render_PassageNotFound_ShowsTheServersReason()
    {
        _server.Respond(HttpStatusCode.NotFound, """{"title":"Document not found","status":404,"detail":"No document 'doc_1' exists for this tenant."}""");

        var cut = Render<CitationPanel>(p => p.Add(c => c.Citation, Cited(new SourceSpan(14, 1, 2))));

        cut.WaitForAssertion(() => cut.Find("[role=alert]").TextContent.ShouldBe("404 No document 'doc_1' exists for this tenant."));
    }

    [Fact]
    public void Click_Close_RaisesOnClose()
    {
        _server.Respond(HttpStatusCode.OK, """{"documentId":"doc_1","documentName":"R-intro.pdf","page":14,"pageCount":105,"before":"","quote":"q","after":"","quoteLocated":true,"originalUrl":"/o"}""");
        var closed = false;

        var cut = Render<CitationPanel>(p => p.Add(c => c.Citation, Cited(new SourceSpan(14, 1, 2))).Add(c => c.OnClose, () => closed = true));
        cut.Find("button.close").Click();

        closed.ShouldBeTrue();
    }

    /// <summary>Answers every request with one canned response and remembers the last request.</summary>
    private sealed class PassageServer : HttpMessageHandler
    {
        private HttpStatusCode _status = HttpStatusCode.OK;
        private string _body = "{}";

        public HttpRequestMessage? LastRequest { get; private set; }

        public void Respond(HttpStatusCode status, string body) => (_status, _body) = (status, body);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            LastRequest = request;
            var contentType = _status == HttpStatusCode.OK ? "application/json" : "application/problem+json";
            return Task.FromResult(new HttpResponseMessage(_status) { Content = new StringContent(_body, Encoding.UTF8, contentType) });
        }
    }
}
