using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentRag.Server.Previews;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Server.Tests.Sharing;

public sealed partial class FinishingFeaturesApiTests
{
    private static readonly byte[] PngHeader = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task Citations_AsBibTexAndJson_ParseAndNameTheCitedPages()
    {
        var library = await server.LibraryAsync();
        var cited = library.Answer.GetProperty("citations").EnumerateArray().ToList();

        var json = await Json(await library.Viewer.GetAsync($"/v1/queries/{library.WorkflowId}/citations?format=json"));
        json.GetProperty("question").GetString().ShouldBe(FinishingFeaturesServerFactory.Question);
        var exported = json.GetProperty("citations").EnumerateArray().ToList();
        exported.Select(c => c.GetProperty("page").GetInt32()).ShouldBe(cited.Select(c => c.GetProperty("page").GetInt32()));
        exported.ShouldAllBe(c => c.GetProperty("documentId").GetString() == library.PdfId);

        using var bib = await library.Viewer.GetAsync($"/v1/queries/{library.WorkflowId}/citations?format=bibtex");
        var text = await bib.Content.ReadAsStringAsync();
        bib.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        bib.Content.Headers.ContentType!.MediaType.ShouldBe("application/x-bibtex");
        bib.Content.Headers.ContentDisposition!.FileName!.Trim('"').ShouldBe($"citations-{library.WorkflowId}.bib");
        var entries = StrictBibTex.Parse(text);
        entries.Count.ShouldBe(cited.Count);
        entries.Select(e => e.Fields["pages"]).ShouldBe(cited.Select(c => c.GetProperty("page").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var escapedId = Apis.CitationExport.Escape(library.PdfId); // doc\_…: the id's underscore is a TeX special
        entries.ShouldAllBe(e => e.Type == "misc" && e.Fields.ContainsKey("title") && e.Fields["howpublished"].Contains(escapedId));
    }

    [Fact]
    public void BibTex_SpecialCharactersInTitlesAndQuotes_EscapedSoTheEntryStillParses()
    {
        var list = new Apis.CitationExport.CitationList("wf_0123456789abcdef", "q", [
            new(1, "doc_1", "50% {odd}_name.pdf", null, "A & B", null, 3, [3], "", "back\\slash $x^2$ ~ # } {", 0.9)]);

        var entry = StrictBibTex.Parse(Apis.CitationExport.ToBibTex(list)).Single();

        entry.Fields["title"].ShouldBe(@"50\% \{odd\}\_name.pdf");
        entry.Fields["author"].ShouldBe(@"A \& B");
        entry.Fields["abstract"].ShouldBe(@"back\textbackslash{}slash \$x\textasciicircum{}2\$ \textasciitilde{} \# \} \{");
    }

    [Fact]
    public async Task Citations_BadFormatOrUnknownQuery_400And404()
    {
        var library = await server.LibraryAsync();

        await DocumentsApiTests.ShouldBeProblemAsync(await library.Viewer.GetAsync($"/v1/queries/{library.WorkflowId}/citations?format=ris"), HttpStatusCode.BadRequest, "json or bibtex");
        await DocumentsApiTests.ShouldBeProblemAsync(await library.Viewer.GetAsync("/v1/queries/wf_0000000000000000/citations"), HttpStatusCode.NotFound, "No query");
        await DocumentsApiTests.ShouldBeProblemAsync(await library.OtherAdmin.GetAsync($"/v1/queries/{library.WorkflowId}/citations"), HttpStatusCode.NotFound, "No query");
    }

    [Fact]
    public async Task PageImage_PdfPage_PngOfTheWidthCachedThenInvalidatedOnReprocess()
    {
        var library = await server.LibraryAsync();
        var cache = server.Services.GetRequiredService<PageImageCache>();
        var page = library.Answer.GetProperty("citations")[0].GetProperty("page").GetInt32();

        using var image = await library.Viewer.GetAsync($"/v1/documents/{library.PdfId}/pages/{page}/image?width=300");
        var bytes = await image.Content.ReadAsByteArrayAsync();
        image.StatusCode.ShouldBe(HttpStatusCode.OK, Encoding.UTF8.GetString(bytes));
        image.Content.Headers.ContentType!.MediaType.ShouldBe("image/png");
        bytes.AsSpan(0, 8).ToArray().ShouldBe(PngHeader);
        PngWidth(bytes).ShouldBe(300);
        var cached = Directory.GetFiles(Path.Combine(cache.Root, FinishingFeaturesServerFactory.Tenant, library.PdfId), "*.png", SearchOption.AllDirectories);
        cached.Select(p => Path.GetFileName(p)).ShouldBe(new[] { $"{page}-300.png" });

        // A second request is served from the cache: the same bytes, no other file.
        (await library.Viewer.GetByteArrayAsync($"/v1/documents/{library.PdfId}/pages/{page}/image?width=300")).ShouldBe(bytes);
        Directory.GetFiles(Path.Combine(cache.Root, FinishingFeaturesServerFactory.Tenant, library.PdfId), "*.png", SearchOption.AllDirectories).ShouldBe(cached);

        // Reprocessing drops the document's images; the test waits for the new run's end, so the others find it ready.
        var events = $"/v1/documents/{library.PdfId}/events";
        using var before = await SseClient.OpenAsync(library.Viewer, events, lastEventId: 0);
        var lastId = (await SseClient.ReadEventsAsync(before).ToListAsync()).Last().Id;
        (await library.Member.PostAsync($"/v1/documents/{library.PdfId}/reprocess", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        Directory.Exists(Path.Combine(cache.Root, FinishingFeaturesServerFactory.Tenant, library.PdfId)).ShouldBeFalse();
        using var after = await SseClient.OpenAsync(library.Viewer, events, lastEventId: lastId);
        (await SseClient.ReadEventsAsync(after).ToListAsync()).Last().Type.ShouldBe("ready");
    }

    [Fact]
    public async Task PageImage_BadRequests_PreciseProblems()
    {
        var library = await server.LibraryAsync();
        var pages = (await Json(await library.Viewer.GetAsync($"/v1/documents/{library.PdfId}"))).GetProperty("pageCount").GetInt32();

        await DocumentsApiTests.ShouldBeProblemAsync(await library.Viewer.GetAsync($"/v1/documents/{library.PdfId}/pages/{pages + 1}/image"), HttpStatusCode.NotFound, $"has pages 1–{pages}");
        await DocumentsApiTests.ShouldBeProblemAsync(await library.Viewer.GetAsync($"/v1/documents/{library.PdfId}/pages/0/image"), HttpStatusCode.NotFound, "there is no page 0");
        await DocumentsApiTests.ShouldBeProblemAsync(await library.Viewer.GetAsync($"/v1/documents/{library.PdfId}/pages/1/image?width=10"), HttpStatusCode.BadRequest, "64–1000 pixels");
        await DocumentsApiTests.ShouldBeProblemAsync(await library.Viewer.GetAsync($"/v1/documents/{library.PdfId}/pages/1/image?width=1001"), HttpStatusCode.BadRequest, "AgentRag:PageImages:MaxWidth");
        await DocumentsApiTests.ShouldBeProblemAsync(await library.Viewer.GetAsync($"/v1/documents/{library.MarkdownId}/pages/1/image"), HttpStatusCode.UnsupportedMediaType, "only for PDFs");
        await DocumentsApiTests.ShouldBeProblemAsync(await library.OtherAdmin.GetAsync($"/v1/documents/{library.PdfId}/pages/1/image"), HttpStatusCode.NotFound, "No document");
    }

    [Fact]
    public async Task Branding_SetByAdminReadByViewer_LogoRoundTripsAndBadInputRefused()
    {
        var library = await server.LibraryAsync();
        var logo = PngHeader.Concat(new byte[64]).ToArray();

        var set = await Json(await library.Admin.PutAsJsonAsync("/v1/tenant/branding", new { productName = "  Acme Answers ", primaryColor = "#1A73E8", accentColor = "#e8710a" }));
        set.GetProperty("productName").GetString().ShouldBe("Acme Answers");
        set.GetProperty("primaryColor").GetString().ShouldBe("#1a73e8");
        using (var upload = new ByteArrayContent(logo))
        {
            upload.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            (await Json(await library.Admin.PutAsync("/v1/tenant/branding/logo", upload))).GetProperty("logoUrl").GetString()!.ShouldStartWith("/v1/tenant/branding/logo");
        }

        var read = await Json(await library.Viewer.GetAsync("/v1/tenant/branding"));
        read.GetProperty("accentColor").GetString().ShouldBe("#e8710a");
        read.GetProperty("productName").GetString().ShouldBe("Acme Answers");
        using (var image = await library.Viewer.GetAsync("/v1/tenant/branding/logo"))
        {
            image.Content.Headers.ContentType!.MediaType.ShouldBe("image/png");
            (await image.Content.ReadAsByteArrayAsync()).ShouldBe(logo);
        }

        // Another tenant keeps the defaults.
        var other = await Json(await library.OtherAdmin.GetAsync("/v1/tenant/branding"));
        other.GetProperty("productName").ValueKind.ShouldBe(JsonValueKind.Null);
        (await library.OtherAdmin.GetAsync("/v1/tenant/branding/logo")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // Bad input: colours, names, types, sizes, bytes that are not the type; and a viewer may not change it.
        await DocumentsApiTests.ShouldBeProblemAsync(await library.Admin.PutAsJsonAsync("/v1/tenant/branding", new { primaryColor = "blue" }), HttpStatusCode.BadRequest, "'primaryColor' must be a colour as #rrggbb");
        await DocumentsApiTests.ShouldBeProblemAsync(await library.Admin.PutAsJsonAsync("/v1/tenant/branding", new { accentColor = "#12345" }), HttpStatusCode.BadRequest, "'accentColor'");
        await DocumentsApiTests.ShouldBeProblemAsync(await library.Admin.PutAsJsonAsync("/v1/tenant/branding", new { productName = new string('n', 61) }), HttpStatusCode.BadRequest, "1–60 characters");
        await DocumentsApiTests.ShouldBeProblemAsync(await PutLogoAsync(library.Admin, "image/svg+xml", Encoding.UTF8.GetBytes("<svg/>")), HttpStatusCode.UnsupportedMediaType, "image/png, image/jpeg, image/webp");
        await DocumentsApiTests.ShouldBeProblemAsync(await PutLogoAsync(library.Admin, "image/png", PngHeader.Concat(new byte[4096]).ToArray()), HttpStatusCode.RequestEntityTooLarge, "AgentRag:Branding:MaxLogoBytes");
        await DocumentsApiTests.ShouldBeProblemAsync(await PutLogoAsync(library.Admin, "image/jpeg", logo), HttpStatusCode.BadRequest, "not a image/jpeg image");
        (await library.Viewer.PutAsJsonAsync("/v1/tenant/branding", new { productName = "Mine" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await Json(await library.Viewer.GetAsync("/v1/tenant/branding"))).GetProperty("productName").GetString().ShouldBe("Acme Answers");

        (await Json(await library.Admin.DeleteAsync("/v1/tenant/branding/logo"))).GetProperty("logoUrl").ValueKind.ShouldBe(JsonValueKind.Null);
        (await library.Viewer.GetAsync("/v1/tenant/branding/logo")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"after": "2024-05-01", "before": "2024-05-01"}""", "'filters.after' (2024-05-01) must be before 'filters.before'")]
    [InlineData("""{"language": "english!"}""", "'filters.language' must be a BCP 47 language tag")]
    [InlineData("""{"documents": []}""", "'filters.documents' is empty")]
    [InlineData("""{"documents": [" "]}""", "'filters.documents[0]' is empty")]
    [InlineData("""{"after": "yesterday"}""", "filters.after")]
    public async Task Query_BadFilters_400NamingTheFilter(string filters, string detail)
    {
        var library = await server.LibraryAsync();
        using var body = new StringContent($$"""{"query": "read a csv file", "mode": "extractive", "filters": {{filters}}}""", Encoding.UTF8, "application/json");

        await DocumentsApiTests.ShouldBeProblemAsync(await library.Viewer.PostAsync("/v1/queries", body), HttpStatusCode.BadRequest, detail);
    }

    [Fact]
    public async Task Query_FiltersByDocumentAndLanguage_CitesOnlyWhatPasses()
    {
        var library = await server.LibraryAsync();

        // The answer of the fixture was restricted to the PDF: every citation is from it.
        library.Answer.GetProperty("citations").EnumerateArray().ShouldAllBe(c => c.GetProperty("documentId").GetString() == library.PdfId);

        // Restricted to the Markdown file, the same question cites only it (or nothing), never the PDF.
        using var other = await library.Viewer.PostAsJsonAsync("/v1/queries", new { query = FinishingFeaturesServerFactory.Question, mode = "extractive", filters = new { documents = new[] { library.MarkdownId } } });
        var answer = await Json(other);
        answer.GetProperty("citations").EnumerateArray().ShouldAllBe(c => c.GetProperty("documentId").GetString() == library.MarkdownId);
    }

    private static async Task<HttpResponseMessage> PutLogoAsync(HttpClient client, string type, byte[] content)
    {
        using var body = new ByteArrayContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue(type);
        return await client.PutAsync("/v1/tenant/branding/logo", body);
    }

    /// <summary>The width in a PNG's IHDR chunk (bytes 16–19, big-endian).</summary>
    private static int PngWidth(byte[] png) => System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4));
}
