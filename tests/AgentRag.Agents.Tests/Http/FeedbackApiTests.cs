using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentRag.Core;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Models.Prompts;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using AgentRag.TestKit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Agents.Tests.Http;

/// <summary>
/// The real server over a temp data folder, nodejs-process.md ingested for the default tenant and for
/// <see cref="QualityTenant"/>, and the shipped prompts plus a second synthesis version at equal weight (an A/B test).
/// </summary>
public sealed class FeedbackServerFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string QualityTenant = "quality";

    private readonly TempDirectory _data = new("agentrag-feedback-api");
    private readonly TempDirectory _prompts = new("agentrag-feedback-prompts");

    public async Task InitializeAsync()
    {
        var ingestion = Services.GetRequiredService<DocumentIngestionService>();
        foreach (var tenant in new[] { Tenancy.DefaultTenant, QualityTenant })
        {
            var submitted = await ingestion.SubmitFileAsync(tenant, SharedPaths.CorpusFile("nodejs-process.md"));
            await ingestion.ProcessAsync(tenant, submitted.Document.Id);
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "prompts");
        foreach (var file in Directory.EnumerateFiles(shipped, "*.md", SearchOption.AllDirectories))
        {
            var target = Path.Combine(_prompts.Path, Path.GetRelativePath(shipped, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var v1 = File.ReadAllText(Path.Combine(_prompts.Path, "synthesis", "v1.md"));
        File.WriteAllText(Path.Combine(_prompts.Path, "synthesis", "v2.md"), v1.Replace("version: v1", "version: v2", StringComparison.Ordinal));

        builder.UseSetting(AgentRagWebApplicationExtensions.DataKey, _data.Path);
        builder.UseSetting("log-format", "text");
        builder.UseSetting("AgentRag:Prompts:Directory", _prompts.Path);
    }

    Task IAsyncLifetime.DisposeAsync()
    {
        Dispose();
        _data.Dispose();
        _prompts.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class FeedbackApiTests(FeedbackServerFactory factory) : IClassFixture<FeedbackServerFactory>
{
    private static readonly string[] Questions =
    [
        "What does the beforeExit event do in Node.js?",
        "What is process.exitCode used for?",
        "How does process.nextTick schedule a callback?",
        "What does process.env contain?",
        "What happens on an uncaughtException event?",
        "What does process.argv hold?",
        "How do I read the current working directory with process.cwd?",
        "What does the exit event do?",
    ];

    private static async Task<(string WorkflowId, double? CitationSupportRate)> AskAsync(HttpClient client, string question, string? tenant = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/queries") { Content = JsonContent.Create(new { query = question, mode = "extractive" }) };
        if (tenant is not null)
        {
            request.Headers.Add("X-Tenant-ID", tenant);
        }

        using var response = await client.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("status").GetString().ShouldBe("completed");
        var rate = body.GetProperty("citationSupportRate");
        return (body.GetProperty("workflowId").GetString()!, rate.ValueKind == JsonValueKind.Null ? null : rate.GetDouble());
    }

    private CallerKeys Callers { get; } = new(factory.Services);

    private Task<HttpRequestMessage> Feedback(string workflowId, object body, string? user = null, string? tenant = null) =>
        FeedbackRaw(workflowId, JsonSerializer.Serialize(body), user, tenant);

    private Task<HttpRequestMessage> FeedbackRaw(string workflowId, string json, string? user = null, string? tenant = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/queries/{workflowId}/feedback") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (tenant is not null)
        {
            request.Headers.Add("X-Tenant-ID", tenant);
        }

        return Callers.AsAsync(request, user);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task PostFeedback_UnknownOrOtherTenantsWorkflow_Returns404()
    {
        var client = factory.CreateClient();
        var (workflowId, _) = await AskAsync(client, Questions[0]);

        using var unknown = await client.SendAsync(await Feedback("wf_0000000000000000", new { rating = "up" }));
        using var malformedId = await client.SendAsync(await Feedback("not-a-workflow", new { rating = "up" }));
        using var otherTenant = await client.SendAsync(await Feedback(workflowId, new { rating = "up" }, tenant: "acme"));
        using var otherTenantRead = new HttpRequestMessage(HttpMethod.Get, $"/v1/queries/{workflowId}/feedback");
        otherTenantRead.Headers.Add("X-Tenant-ID", "acme");
        using var read = await client.SendAsync(otherTenantRead);

        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        malformedId.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        otherTenant.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await JsonAsync(otherTenant)).GetProperty("detail").GetString()!.ShouldContain(workflowId);
        read.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"rating":"sideways"}""", "rating", "sideways")]
    [InlineData("""{"comment":"no rating"}""", "rating", "missing")]
    [InlineData("""{"rating":"up","comment":"COMMENT"}""", "comment", "2,001 characters")]
    public async Task PostFeedback_InvalidField_Returns400NamingTheField(string json, string field, string reason)
    {
        var client = factory.CreateClient();
        var (workflowId, _) = await AskAsync(client, Questions[1]);

        using var response = await client.SendAsync(await FeedbackRaw(workflowId, json.Replace("COMMENT", new string('x', 2_001), StringComparison.Ordinal)));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await JsonAsync(response);
        problem.GetProperty("errors").GetProperty(field)[0].GetString()!.ShouldContain(reason);
        using var stored = await client.GetAsync($"/v1/queries/{workflowId}/feedback");
        stored.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PostFeedback_MalformedJson_Returns400SayingWhere()
    {
        var client = factory.CreateClient();
        var (workflowId, _) = await AskAsync(client, Questions[2]);

        using var response = await client.SendAsync(await FeedbackRaw(workflowId, """{"rating": "up",,}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await JsonAsync(response)).GetProperty("detail").GetString()!.ShouldContain("not valid JSON");
    }

    [Fact]
    public async Task PostFeedback_SameUserTwice_ReplacesTheFirstAndKeepsOtherUsers()
    {
        var client = factory.CreateClient();
        var (workflowId, _) = await AskAsync(client, Questions[3]);

        using var first = await client.SendAsync(await Feedback(workflowId, new { rating = "down", comment = "Too vague." }, user: "ana"));
        using var other = await client.SendAsync(await Feedback(workflowId, new { rating = "up" }));
        using var second = await client.SendAsync(await Feedback(workflowId, new { rating = "UP", comment = "  Better on a second read.  " }, user: "ana"));
        using var ana = await client.SendAsync(await Callers.AsAsync(new HttpRequestMessage(HttpMethod.Get, $"/v1/queries/{workflowId}/feedback"), "ana"));
        using var anonymous = await client.GetAsync($"/v1/queries/{workflowId}/feedback");

        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await JsonAsync(first)).GetProperty("replaced").GetBoolean().ShouldBeFalse();
        (await JsonAsync(second)).GetProperty("replaced").GetBoolean().ShouldBeTrue();
        var stored = await JsonAsync(ana);
        stored.GetProperty("user").GetString().ShouldBe(await Callers.IdentityAsync("ana"));
        stored.GetProperty("rating").GetString().ShouldBe("up");
        stored.GetProperty("comment").GetString().ShouldBe("Better on a second read.");
        var anonymousStored = await JsonAsync(anonymous);
        anonymousStored.GetProperty("user").GetString().ShouldBe(AgentRagClaims.OpenModeCaller);
        anonymousStored.GetProperty("rating").GetString().ShouldBe("up");
        anonymousStored.GetProperty("comment").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task PostFeedback_ExtractiveWorkflow_IsAttributedToTheAssignedPromptVersionsAndNoModel()
    {
        var client = factory.CreateClient();
        var catalog = factory.Services.GetRequiredService<PromptCatalog>();
        var (workflowId, _) = await AskAsync(client, Questions[4]);

        using var response = await client.SendAsync(await Feedback(workflowId, new { rating = "up" }, user: "attribution"));

        var stored = await JsonAsync(response);
        var prompts = stored.GetProperty("prompts").EnumerateArray()
            .Select(p => $"{p.GetProperty("promptId").GetString()}@{p.GetProperty("version").GetString()}").ToList();
        prompts.ShouldBe(catalog.Agents.Select(agent => catalog.Select(agent, workflowId).ToString()), ignoreOrder: true);
        prompts.ShouldContain(catalog.Select("synthesis", workflowId).ToString());
        stored.GetProperty("models").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task GetPrompts_AfterWorkflowsAndFeedback_ReportsCitationSupportAndFeedbackPerVersion()
    {
        const string tenant = FeedbackServerFactory.QualityTenant;
        var client = factory.CreateClient();
        var catalog = factory.Services.GetRequiredService<PromptCatalog>();
        var runs = new List<(string WorkflowId, double? Rate, string Version)>();
        // Ids are random, so run until both synthesis arms have workflows (each run lands on either with probability 1/2).
        for (var i = 0; runs.Count < Questions.Length || (i < 40 && runs.Select(r => r.Version).Distinct().Count() < 2); i++)
        {
            var (workflowId, rate) = await AskAsync(client, Questions[i % Questions.Length], tenant);
            runs.Add((workflowId, rate, catalog.Select("synthesis", workflowId).Version));
        }

        runs.Select(r => r.Version).Distinct().Count().ShouldBe(2);
        runs.ShouldContain(r => r.Rate != null);
        // Up on even runs, down on odd ones; one caller changes their mind on the first run (replacing, not adding).
        for (var i = 0; i < runs.Count; i++)
        {
            using var rated = await client.SendAsync(await Feedback(runs[i].WorkflowId, new { rating = i % 2 == 0 ? "up" : "down" }, tenant: tenant));
            rated.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        using var changed = await client.SendAsync(await Feedback(runs[0].WorkflowId, new { rating = "down" }, tenant: tenant));
        var ratings = runs.Select((r, i) => i == 0 ? -1 : (i % 2 == 0 ? 1 : -1)).ToList();
        // Another tenant's workflow and feedback must not count.
        var (elsewhere, _) = await AskAsync(client, Questions[0]);
        using var elsewhereRated = await client.SendAsync(await Feedback(elsewhere, new { rating = "up" }));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/prompts");
        request.Headers.Add("X-Tenant-ID", tenant);
        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var synthesis = (await JsonAsync(response)).EnumerateArray().Single(p => p.GetProperty("id").GetString() == "synthesis");
        foreach (var version in new[] { "v1", "v2" })
        {
            var indexes = Enumerable.Range(0, runs.Count).Where(i => runs[i].Version == version).ToList();
            var rates = indexes.Select(i => runs[i].Rate).OfType<double>().ToList();
            var up = indexes.Count(i => ratings[i] > 0);
            var down = indexes.Count - up;
            var quality = synthesis.GetProperty("versions").EnumerateArray().Single(v => v.GetProperty("version").GetString() == version).GetProperty("quality");
            quality.GetProperty("workflows").GetInt64().ShouldBe(indexes.Count);
            quality.GetProperty("ratedWorkflows").GetInt64().ShouldBe(rates.Count);
            if (rates.Count > 0)
            {
                quality.GetProperty("citationSupportRate").GetDouble().ShouldBe(Math.Round(rates.Average(), 4), 1e-9);
            }

            quality.GetProperty("feedbackCount").GetInt64().ShouldBe(indexes.Count);
            quality.GetProperty("feedbackUp").GetInt64().ShouldBe(up);
            quality.GetProperty("feedbackDown").GetInt64().ShouldBe(down);
            quality.GetProperty("feedbackScore").GetDouble().ShouldBe(Math.Round((double)(up - down) / indexes.Count, 4), 1e-9);
        }
    }
}
