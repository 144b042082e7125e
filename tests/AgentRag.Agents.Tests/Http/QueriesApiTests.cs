using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.Core;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Server.Hosting;
using AgentRag.TestKit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Agents.Tests.Http;

/// <summary>The real server over a temp data folder with nodejs-process.md ingested.</summary>
public sealed class QueryServerFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly TempDirectory _data = new("agentrag-queries-api");

    public string DataPath => _data.Path;

    public async Task InitializeAsync()
    {
        var ingestion = Services.GetRequiredService<DocumentIngestionService>();
        var submitted = await ingestion.SubmitFileAsync(Tenancy.DefaultTenant, SharedPaths.CorpusFile("nodejs-process.md"));
        await ingestion.ProcessAsync(Tenancy.DefaultTenant, submitted.Document.Id);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting(AgentRagWebApplicationExtensions.DataKey, _data.Path);
        builder.UseSetting("log-format", "text");
        builder.UseSetting("AgentRag:Agents:MaxQueryLength", "300");
    }

    Task IAsyncLifetime.DisposeAsync()
    {
        Dispose();
        _data.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class QueriesApiTests(QueryServerFactory factory) : IClassFixture<QueryServerFactory>
{
    private const string Question = "What does the beforeExit event do in Node.js?";

    private static HttpRequestMessage Post(string query, bool stream, string? tenant = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/queries") { Content = JsonContent.Create(new { query }) };
        if (stream)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        }

        if (tenant is not null)
        {
            request.Headers.Add("X-Tenant-ID", tenant);
        }

        return request;
    }

    [Fact]
    public async Task Post_EventStream_StreamsPlanStepsTokensCitationsAndDoneInOrder()
    {
        var client = factory.CreateClient();

        using var response = await client.SendAsync(Post(Question, stream: true), HttpCompletionOption.ResponseHeadersRead);
        var events = await SseClient.ReadAllAsync(response);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        events.Select(e => e.Id).ShouldBe(Enumerable.Range(1, events.Count).Select(i => (long?)i));
        var types = events.Select(e => e.Type).Where(t => t != "token").Distinct().ToList();
        types.ShouldBe(["plan", "step.started", "step.completed", "citations", "usage", "done"]);
        events[0].Type.ShouldBe("plan");
        events[^1].Type.ShouldBe("done");
        var done = JsonDocument.Parse(events[^1].Data).RootElement;
        done.GetProperty("mode").GetString().ShouldBe("extractive");
        done.GetProperty("workflowId").GetString().ShouldBe(response.Headers.GetValues("X-Workflow-Id").Single());
        done.GetProperty("answer").GetString()!.ShouldContain("beforeExit");
        done.GetProperty("citations")[0].GetProperty("documentName").GetString().ShouldBe("nodejs-process.md");
        done.GetProperty("warnings").EnumerateArray().ShouldContain(w => w.GetString()!.StartsWith("Extractive answer", StringComparison.Ordinal));
        foreach (var e in events.Where(e => e.Type.StartsWith("step.", StringComparison.Ordinal) || e.Type == "token"))
        {
            var data = JsonDocument.Parse(e.Data).RootElement;
            (data.GetProperty("stepId").GetString()!.Length > 0 && data.GetProperty("agent").GetString()!.Length > 0).ShouldBeTrue(e.Data);
        }
    }

    [Fact]
    public async Task GetEvents_WithLastEventId_ReplaysOnlyWhatWasMissed()
    {
        var client = factory.CreateClient();
        using var first = await client.SendAsync(Post(Question, stream: true), HttpCompletionOption.ResponseHeadersRead);
        var all = await SseClient.ReadAllAsync(first);
        var id = first.Headers.GetValues("X-Workflow-Id").Single();

        using var replay = await SseClient.OpenAsync(client, $"/v1/queries/{id}/events", lastEventId: 3);
        var replayed = await SseClient.ReadAllAsync(replay);
        using var beyond = await SseClient.OpenAsync(client, $"/v1/queries/{id}/events", lastEventId: all.Count + 10);
        var nothing = await SseClient.ReadAllAsync(beyond);

        replayed.Select(e => (e.Id, e.Type, e.Data)).ShouldBe(all.Skip(3).Select(e => (e.Id, e.Type, e.Data)));
        nothing.ShouldBeEmpty();
    }

    [Fact]
    public async Task Post_Json_ReturnsTheFinalAnswerAndStateIsReadable()
    {
        var client = factory.CreateClient();

        var response = await client.SendAsync(Post(Question, stream: false));
        var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var id = result.GetProperty("workflowId").GetString()!;
        var state = JsonDocument.Parse(await client.GetStringAsync($"/v1/queries/{id}")).RootElement;

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        result.GetProperty("status").GetString().ShouldBe("completed");
        result.GetProperty("answer").GetString()!.ShouldContain("beforeExit");
        state.GetProperty("status").GetString().ShouldBe("completed");
        var steps = state.GetProperty("steps").EnumerateArray().ToList();
        steps.Select(s => s.GetProperty("id").GetString()).ShouldBe(["retrieve", "synthesize", "cite"]);
        steps.ShouldAllBe(s => s.GetProperty("status").GetString() == "completed" && s.GetProperty("attempts").GetInt32() == 1 && s.GetProperty("durationMs").GetDouble() >= 0);
        state.GetProperty("plan").GetProperty("estimate").GetProperty("latencyMs").GetInt32().ShouldBeGreaterThan(0);
    }

    [Theory]
    [InlineData("", "The query is empty: ask a question.")]
    [InlineData("   ", "The query is empty: ask a question.")]
    public async Task Post_EmptyQuery_400WithReason(string query, string reason)
    {
        var response = await factory.CreateClient().SendAsync(Post(query, stream: true));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("errors").GetProperty("query")[0].GetString().ShouldBe(reason);
    }

    [Fact]
    public async Task Post_TooLongQueryOrUnknownMode_400()
    {
        var client = factory.CreateClient();

        var tooLong = await client.SendAsync(Post(new string('x', 301), stream: false));
        var badMode = await client.PostAsJsonAsync("/v1/queries", new { query = "exit codes?", mode = "creative" });

        tooLong.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await tooLong.Content.ReadAsStringAsync()).ShouldContain("The query is 301 characters long; the limit is 300 (AgentRag:Agents:MaxQueryLength).");
        badMode.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await badMode.Content.ReadAsStringAsync()).ShouldContain("Unknown mode 'creative'");
    }

    [Fact]
    public async Task UnknownOrOtherTenantsQuery_404()
    {
        var client = factory.CreateClient();
        var result = JsonDocument.Parse(await (await client.SendAsync(Post(Question, stream: false))).Content.ReadAsStringAsync()).RootElement;
        var id = result.GetProperty("workflowId").GetString()!;

        var other = new HttpRequestMessage(HttpMethod.Get, $"/v1/queries/{id}");
        other.Headers.Add("X-Tenant-ID", "acme");
        (await client.SendAsync(other)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.GetAsync("/v1/queries/wf_0000000000000000")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.GetAsync("/v1/queries/not-an-id/events")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.DeleteAsync("/v1/queries/wf_0000000000000000")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_FinishedQuery_ReportsNotCancelled()
    {
        var client = factory.CreateClient();
        var result = JsonDocument.Parse(await (await client.SendAsync(Post(Question, stream: false))).Content.ReadAsStringAsync()).RootElement;

        var response = await client.DeleteAsync($"/v1/queries/{result.GetProperty("workflowId").GetString()}");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (body.GetProperty("cancelled").GetBoolean(), body.GetProperty("status").GetString()).ShouldBe((false, "completed"));
    }

    [Fact]
    public async Task Post_ClientDisconnects_WorkflowStillCompletes()
    {
        var client = factory.CreateClient();
        string id;
        using (var response = await client.SendAsync(Post(Question, stream: true), HttpCompletionOption.ResponseHeadersRead))
        {
            id = response.Headers.GetValues("X-Workflow-Id").Single();
        }

        // Reconnecting follows the same workflow to its end.
        using var follow = await SseClient.OpenAsync(client, $"/v1/queries/{id}/events");
        var events = await SseClient.ReadAllAsync(follow);

        events[^1].Type.ShouldBe("done");
        JsonDocument.Parse(await client.GetStringAsync($"/v1/queries/{id}")).RootElement.GetProperty("status").GetString().ShouldBe("completed");
    }
}

public sealed class QueryBenchmarkTests(QueryServerFactory factory) : IClassFixture<QueryServerFactory>
{
    [Fact]
    public async Task RunHttpAsync_ConcurrentStreams_AllCompleteWithLatencies()
    {
        var result = await Benchmarks.QueryBenchmark.RunHttpAsync(factory.CreateClient(), new Benchmarks.QueryBenchmarkOptions { Concurrency = 8 });

        (result.Queries, result.Errors).ShouldBe((8, 0), string.Join("; ", result.ErrorSamples));
        result.TimeToFirstTokenP95Ms.ShouldBeGreaterThan(0);
        result.TotalP95Ms.ShouldBeGreaterThanOrEqualTo(result.TimeToFirstTokenP95Ms);
    }

    [Fact]
    public async Task MeasureOverheadAsync_SamePlansBothWays_ReportsStepsPerRun()
    {
        var services = factory.Services;
        var result = await Benchmarks.QueryBenchmark.MeasureOverheadAsync(
            services.GetRequiredService<AgentRag.Agents.Workflows.WorkflowService>(),
            services.GetRequiredService<AgentRag.Agents.Planning.IQueryPlanner>(),
            services.GetRequiredService<AgentCatalog>(),
            ["What does the beforeExit event do?"],
            runs: 3);

        (result.Runs, result.StepsPerRun).ShouldBe((3, 3.0));
        result.DirectMeanMs.ShouldBeGreaterThan(0);
    }
}
