using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentRag.Core.Security;
using AgentRag.TestKit;

namespace AgentRag.Server.Tests.Security;

/// <summary>A required-mode server with the default rate limit, and tenants with small quotas and limits.</summary>
public sealed class LimitsServerFactory : SecureServerFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["AgentRag:Limits:RequestsPerWindow"] = "100",
        ["AgentRag:Limits:Tenants:sse:RequestsPerWindow"] = "3",
        ["AgentRag:Limits:Tenants:groups:QueriesPerWindow"] = "2",
        ["AgentRag:Limits:Tenants:streams:QueriesPerWindow"] = "1",
        ["AgentRag:Limits:Tenants:groups:UploadsPerWindow"] = "1",
        ["AgentRag:Limits:Tenants:docs:MaxDocuments"] = "1",
        ["AgentRag:Limits:Tenants:bytes:MaxStoredBytes"] = "100",
        ["AgentRag:Limits:Tenants:daily:MaxQueriesPerDay"] = "2",
        ["AgentRag:Server:MaxRequestHeadersBytes"] = "4096",
        ["AgentRag:Server:MaxRequestBodyBytes"] = "4096",
        ["AgentRag:Server:MaxFilesPerUpload"] = "2",
    };
}

/// <summary>Rate limits, tenant quotas and request limits, through HTTP (docs/security.md, "Limits and quotas").</summary>
public sealed class LimitsTests(LimitsServerFactory factory) : IClassFixture<LimitsServerFactory>
{
    private static byte[] SmallText => File.ReadAllBytes(SharedPaths.CorpusFile("debian-policy-README.txt"));

    [Fact]
    public async Task RateLimit_101stRequestWithinAMinuteFromOneKey_Gets429WithRetryAfterAndOtherKeyIsUnaffected()
    {
        var first = factory.ClientWith((await factory.CreateKeyAsync("rate", TenantRole.Viewer)).Key);
        var second = factory.ClientWith((await factory.CreateKeyAsync("rate", TenantRole.Viewer)).Key);
        factory.Time.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromTicks(factory.Time.GetUtcNow().UtcTicks % TimeSpan.TicksPerMinute));

        for (var i = 1; i <= 100; i++)
        {
            (await first.GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.OK, $"request {i}");
        }

        factory.Time.Advance(TimeSpan.FromSeconds(59));
        using var refused = await first.GetAsync("/v1/documents");
        await DocumentsApiTests.ShouldBeProblemAsync(refused, HttpStatusCode.TooManyRequests, "100 requests per 00:01:00 (AgentRag:Limits:RequestsPerWindow)");
        refused.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(1));

        (await second.GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await first.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await first.GetAsync("/openapi/v1.json")).StatusCode.ShouldBe(HttpStatusCode.OK);

        factory.Time.Advance(TimeSpan.FromSeconds(1));
        (await first.GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RateLimit_QueriesAndUploadsOfATenant_LimitedSeparatelyFromItsOtherRequests()
    {
        var client = factory.ClientWith((await factory.CreateKeyAsync("groups", TenantRole.Member)).Key);
        factory.Time.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromTicks(factory.Time.GetUtcNow().UtcTicks % TimeSpan.TicksPerMinute));

        for (var i = 1; i <= 2; i++)
        {
            (await client.PostAsJsonAsync("/v1/search", new { query = "policy" })).StatusCode.ShouldBe(HttpStatusCode.OK, $"search {i}");
        }

        using var thirdSearch = await client.PostAsJsonAsync("/v1/search", new { query = "policy" });
        using var firstUpload = await DocumentsApiTests.PostFilesAsync(client, ("groups-a.txt", SmallText));
        using var secondUpload = await DocumentsApiTests.PostFilesAsync(client, ("groups-b.txt", SmallText));
        using var listing = await client.GetAsync("/v1/documents");

        await DocumentsApiTests.ShouldBeProblemAsync(thirdSearch, HttpStatusCode.TooManyRequests, "2 queries requests per 00:01:00 (AgentRag:Limits:Tenants:groups:QueriesPerWindow)");
        thirdSearch.Headers.RetryAfter.ShouldNotBeNull();
        firstUpload.StatusCode.ShouldBe(HttpStatusCode.Accepted, await firstUpload.Content.ReadAsStringAsync());
        await DocumentsApiTests.ShouldBeProblemAsync(secondUpload, HttpStatusCode.TooManyRequests, "1 uploads requests per 00:01:00 (AgentRag:Limits:Tenants:groups:UploadsPerWindow)");
        listing.StatusCode.ShouldBe(HttpStatusCode.OK); // the other requests keep the default 100
    }

    [Fact]
    public async Task Refusals_OfARequestAcceptingOnlyAnEventStream_AreProblemsNotA500()
    {
        var member = factory.ClientWith((await factory.CreateKeyAsync("streams", TenantRole.Member)).Key);
        var viewer = factory.ClientWith((await factory.CreateKeyAsync("streams", TenantRole.Viewer)).Key);
        factory.Time.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromTicks(factory.Time.GetUtcNow().UtcTicks % TimeSpan.TicksPerMinute));

        using var first = await AskAsync(member);
        using var limited = await AskAsync(member);
        using var anonymous = await AskAsync(factory.ClientWith(null));
        using var forbidden = await SendAsync(viewer, new HttpRequestMessage(HttpMethod.Delete, "/v1/documents/doc_unknown"));

        first.StatusCode.ShouldBe(HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        await DocumentsApiTests.ShouldBeProblemAsync(limited, HttpStatusCode.TooManyRequests, "1 queries requests per 00:01:00 (AgentRag:Limits:Tenants:streams:QueriesPerWindow)");
        limited.Headers.RetryAfter.ShouldNotBeNull();
        anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        anonymous.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        forbidden.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        forbidden.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");

        static Task<HttpResponseMessage> AskAsync(HttpClient client) =>
            SendAsync(client, new HttpRequestMessage(HttpMethod.Post, "/v1/queries") { Content = JsonContent.Create(new { query = "policy", mode = "extractive" }) });

        static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request)
        {
            using (request)
            {
                request.Headers.Accept.ParseAdd("text/event-stream");
                return await client.SendAsync(request);
            }
        }
    }

    [Fact]
    public async Task RateLimit_EventStreamWithManyEvents_CountsAsOneRequest()
    {
        var client = factory.ClientWith((await factory.CreateKeyAsync("sse", TenantRole.Member)).Key);
        var id = (await DocumentsApiTests.UploadAsync(client, ("readme.txt", SmallText))).Single();

        // Request 1 of 3: a stream of several events.
        using (var stream = await SseClient.OpenAsync(client, $"/v1/documents/{id}/events", lastEventId: 0))
        {
            stream.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await SseClient.ReadEventsAsync(stream).ToListAsync()).Count.ShouldBeGreaterThan(2);
        }

        (await client.GetAsync($"/v1/documents/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync($"/v1/documents/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync($"/v1/documents/{id}")).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Quota_DocumentsAtLimit_UploadRefusedNamingLimitUseAndSetting()
    {
        var client = factory.ClientWith((await factory.CreateKeyAsync("docs", TenantRole.Member)).Key);
        await DocumentsApiTests.UploadAsync(client, ("readme.txt", SmallText));

        using var refused = await DocumentsApiTests.PostFilesAsync(client, ("other.txt", Encoding.UTF8.GetBytes("another document")));
        var problem = await QuotaProblemAsync(refused, HttpStatusCode.Forbidden, "documents", limit: 1, used: 1);
        problem.GetProperty("setting").GetString().ShouldBe("AgentRag:Limits:Tenants:docs:MaxDocuments");
        problem.GetProperty("detail").GetString()!.ShouldContain("holds 1 of its 1 documents");

        var limits = await client.GetFromJsonAsync<JsonElement>("/v1/tenant/limits");
        var documents = limits.GetProperty("quotas").EnumerateArray().Single(q => q.GetProperty("quota").GetString() == "documents");
        documents.GetProperty("limit").GetInt64().ShouldBe(1);
        documents.GetProperty("used").GetInt64().ShouldBe(1);
        limits.GetProperty("rateLimits").GetProperty("enabled").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task Quota_StoredBytesWouldBeExceeded_UploadRefusedBeforeAnyDocumentIsMade()
    {
        var client = factory.ClientWith((await factory.CreateKeyAsync("bytes", TenantRole.Member)).Key);

        using var refused = await DocumentsApiTests.PostFilesAsync(client, ("readme.txt", SmallText));
        await QuotaProblemAsync(refused, HttpStatusCode.Forbidden, "stored_bytes", limit: 100, used: 0);
        (await client.GetFromJsonAsync<JsonElement>("/v1/documents")).GetProperty("total").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task Quota_QueriesPerDayUsedUp_Refused429UntilTheNextUtcDay()
    {
        var client = factory.ClientWith((await factory.CreateKeyAsync("daily", TenantRole.Viewer)).Key);
        for (var i = 0; i < 2; i++)
        {
            (await client.PostAsJsonAsync("/v1/search", new { query = "policy" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        using var refused = await client.PostAsJsonAsync("/v1/search", new { query = "policy" });
        await QuotaProblemAsync(refused, HttpStatusCode.TooManyRequests, "queries_per_day", limit: 2, used: 2);
        refused.Headers.RetryAfter!.Delta.ShouldNotBeNull();
        var limits = await client.GetFromJsonAsync<JsonElement>("/v1/tenant/limits");
        limits.GetProperty("quotas").EnumerateArray().Single(q => q.GetProperty("quota").GetString() == "queries_per_day").GetProperty("used").GetInt64().ShouldBe(2);

        factory.Time.Advance(TimeSpan.FromDays(1));
        (await client.PostAsJsonAsync("/v1/search", new { query = "policy" })).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RequestLimits_EachHostileInput_GetsA4xxProblemNeverA500()
    {
        var client = factory.ClientWith((await factory.CreateKeyAsync("hostile", TenantRole.Member)).Key);

        using (var headers = new HttpRequestMessage(HttpMethod.Get, "/v1/documents"))
        {
            headers.Headers.Add("X-Padding", new string('a', 5000));
            await DocumentsApiTests.ShouldBeProblemAsync(await client.SendAsync(headers), HttpStatusCode.RequestHeaderFieldsTooLarge, "(AgentRag:Server:MaxRequestHeadersBytes)");
        }

        var big = JsonContent.Create(new { query = new string('q', 5000) });
        await DocumentsApiTests.ShouldBeProblemAsync(await client.PostAsync("/v1/search", big), HttpStatusCode.RequestEntityTooLarge, "(AgentRag:Server:MaxRequestBodyBytes)");

        // Approval inputs are free-form JSON: nesting past AgentRagJson.MaxRequestDepth is refused while reading.
        var admin = factory.ClientWith((await factory.CreateKeyAsync("hostile", TenantRole.Admin)).Key);
        var deep = new StringContent($"{{\"inputs\":{{\"x\":{new string('[', 40)}{new string(']', 40)}}}}}", Encoding.UTF8, "application/json");
        await DocumentsApiTests.ShouldBeProblemAsync(await admin.PostAsync("/v1/approvals/apr_unknown/approve", deep), HttpStatusCode.BadRequest, "maximum configured depth of 16");

        var longQuery = JsonContent.Create(new { query = new string('q', 2001) });
        await DocumentsApiTests.ShouldBeProblemAsync(await client.PostAsync("/v1/search", longQuery), HttpStatusCode.BadRequest, "(AgentRag:Search:MaxQueryLength)");

        using var tooMany = await DocumentsApiTests.PostFilesAsync(client, ("a.txt", "a"u8.ToArray()), ("b.txt", "b"u8.ToArray()), ("c.txt", "c"u8.ToArray()));
        await DocumentsApiTests.ShouldBeProblemAsync(tooMany, HttpStatusCode.BadRequest, "(AgentRag:Server:MaxFilesPerUpload)");
    }

    [Fact]
    public void Startup_RateLimitingOffInRequiredMode_FailsNamingTheSetting()
    {
        using var server = new RateLimitingOffFactory();

        var error = Should.Throw<Exception>(() => server.CreateClient());

        error.ToString().ShouldContain("AgentRag:Limits:RateLimiting may be false only in open mode");
    }

    private sealed class RateLimitingOffFactory : SecureServerFactory
    {
        protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?> { ["AgentRag:Limits:RateLimiting"] = "false" };
    }

    private static async Task<JsonElement> QuotaProblemAsync(HttpResponseMessage response, HttpStatusCode status, string quota, long limit, long used)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = JsonDocument.Parse(text).RootElement;
        problem.GetProperty("quota").GetString().ShouldBe(quota);
        problem.GetProperty("limit").GetInt64().ShouldBe(limit);
        problem.GetProperty("used").GetInt64().ShouldBe(used);
        problem.GetProperty("detail").GetString()!.ShouldContain($"The {quota} quota is exceeded");
        return problem;
    }
}
