using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentRag.TestKit;

namespace AgentRag.Server.Tests;

/// <summary><c>POST /v1/search</c> over the R manuals.</summary>
public sealed class SearchApiTests : IClassFixture<SearchApiTests.Corpus>
{
    private readonly Corpus _corpus;

    public SearchApiTests(Corpus corpus) => _corpus = corpus;

    /// <summary>A server with R-data.pdf and R-intro.pdf ingested for tenant "search-tenant".</summary>
    public sealed class Corpus : IAsyncLifetime
    {
        public AgentRagServerFactory Factory { get; } = new();

        public HttpClient Client(string tenant = "search-tenant")
        {
            var client = Factory.CreateClient();
            client.DefaultRequestHeaders.Add("X-Tenant-ID", tenant);
            return client;
        }

        public async Task InitializeAsync()
        {
            var client = Client();
            var ids = await DocumentsApiTests.UploadAsync(client,
                ("R-data.pdf", File.ReadAllBytes(SharedPaths.CorpusFile("R-data.pdf"))),
                ("R-intro.pdf", File.ReadAllBytes(SharedPaths.CorpusFile("R-intro.pdf"))));
            foreach (var id in ids)
            {
                (await DocumentsApiTests.WaitForFinalEventAsync(client, id)).ShouldBe("ready");
            }
        }

        public Task DisposeAsync()
        {
            Factory.Dispose();
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Search_ReadATableQuestion_TopHitsQuoteReadTableWithScoreComponents()
    {
        var response = await _corpus.Client().PostAsJsonAsync("/v1/search", new { query = "how do I read a table from a file", k = 3 });

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("modes").EnumerateArray().Select(m => m.GetString()).ShouldBe(["bm25"]);
        body.GetProperty("warnings")[0].GetString()!.ShouldContain("BM25 only");
        var hits = body.GetProperty("hits").EnumerateArray().ToList();
        hits.Count.ShouldBe(3);
        hits.ShouldContain(h => h.GetProperty("text").GetString()!.Contains("read.table", StringComparison.Ordinal)
            && h.GetProperty("documentName").GetString()!.StartsWith("R-", StringComparison.Ordinal));
        var first = hits[0];
        first.GetProperty("pages").GetArrayLength().ShouldBeGreaterThan(0);
        first.GetProperty("headingPath").GetString().ShouldNotBeNullOrEmpty();
        first.GetProperty("components").GetProperty("bm25").GetDouble().ShouldBe(first.GetProperty("score").GetDouble(), 1e-6);
        first.GetProperty("components").GetProperty("dense").ValueKind.ShouldBe(JsonValueKind.Null);
        hits.Select(h => h.GetProperty("score").GetDouble()).ShouldBeInOrder(SortDirection.Descending);
    }

    [Fact]
    public async Task Search_NewDocumentBecomesReady_CachedResultsAreInvalidated()
    {
        var client = _corpus.Client("cache-tenant");
        var query = new { query = "filesystem hierarchy standard", k = 3 };
        var before = await (await client.PostAsJsonAsync("/v1/search", query)).Content.ReadFromJsonAsync<JsonElement>();
        var again = await (await client.PostAsJsonAsync("/v1/search", query)).Content.ReadFromJsonAsync<JsonElement>();
        before.GetProperty("hits").GetArrayLength().ShouldBe(0);
        again.GetProperty("hits").GetArrayLength().ShouldBe(0);

        var id = (await DocumentsApiTests.UploadAsync(client, ("fhs-3.0.pdf", File.ReadAllBytes(SharedPaths.CorpusFile("fhs-3.0.pdf"))))).Single();
        (await DocumentsApiTests.WaitForFinalEventAsync(client, id)).ShouldBe("ready");
        var after = await (await client.PostAsJsonAsync("/v1/search", query)).Content.ReadFromJsonAsync<JsonElement>();

        after.GetProperty("hits").EnumerateArray().ShouldContain(h => h.GetProperty("documentName").GetString() == "fhs-3.0.pdf");
        var usage = await client.GetFromJsonAsync<JsonElement>("/v1/usage");
        usage.GetProperty("caches").EnumerateArray().ShouldContain(c => c.GetProperty("cache").GetString() == "search" && c.GetProperty("hits").GetInt64() >= 1);
    }

    [Fact]
    public async Task Search_DocFilterAndPhrase_RestrictToThatDocument()
    {
        var response = await _corpus.Client().PostAsJsonAsync("/v1/search", new { query = "\"assignment operator\" doc:R-intro.pdf", k = 5, mode = "bm25" });

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var hits = body.GetProperty("hits").EnumerateArray().ToList();
        hits.ShouldNotBeEmpty();
        hits.ShouldAllBe(h => h.GetProperty("documentName").GetString() == "R-intro.pdf");
        // Phrases match on analyzed terms, as in Lucene: "operator" and "operation" share the stem "oper".
        hits.ShouldAllBe(h => System.Text.RegularExpressions.Regex.Replace(h.GetProperty("text").GetString()!, @"\s+", " ")
            .Contains("assignment oper", StringComparison.OrdinalIgnoreCase));
        hits[0].GetProperty("pages").EnumerateArray().Select(p => p.GetInt32()).ShouldContain(14);
    }

    [Fact]
    public async Task Search_StructuredFiltersExcludeEverything_NoHits()
    {
        var response = await _corpus.Client().PostAsJsonAsync("/v1/search",
            new { query = "read.table", k = 5, filters = new { documents = new[] { "nonexistent.pdf" } } });

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("hits").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Search_AnotherTenant_SeesNothing()
    {
        var response = await _corpus.Client("other-tenant").PostAsJsonAsync("/v1/search", new { query = "read.table", k = 5 });

        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hits").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Search_MalformedQuery_400NamingThePosition()
    {
        var response = await _corpus.Client().PostAsJsonAsync("/v1/search", new { query = "\"unbalanced quote", k = 3 });

        await DocumentsApiTests.ShouldBeProblemAsync(response, HttpStatusCode.BadRequest, "position 0");
    }

    [Fact]
    public async Task Search_MalformedJson_400NamingWhere()
    {
        var response = await _corpus.Client().PostAsync("/v1/search", new StringContent("{\"query\": \"x\", \"k\": }", Encoding.UTF8, "application/json"));

        await DocumentsApiTests.ShouldBeProblemAsync(response, HttpStatusCode.BadRequest, "not valid JSON at line 1");
    }

    [Fact]
    public async Task Search_KOutOfRange_400()
    {
        var response = await _corpus.Client().PostAsJsonAsync("/v1/search", new { query = "data", k = 0 });

        await DocumentsApiTests.ShouldBeProblemAsync(response, HttpStatusCode.BadRequest, "k must be between 1 and 100");
    }

    [Fact]
    public async Task Search_DenseWithoutEmbeddings_422()
    {
        var response = await _corpus.Client().PostAsJsonAsync("/v1/search", new { query = "data", mode = "dense" });

        await DocumentsApiTests.ShouldBeProblemAsync(response, HttpStatusCode.UnprocessableEntity, "embedding provider");
    }
}
