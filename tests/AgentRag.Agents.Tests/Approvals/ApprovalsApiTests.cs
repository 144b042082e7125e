using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentRag.Agents.Tests.Http;
using AgentRag.Core;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using AgentRag.TestKit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;


namespace AgentRag.Agents.Tests.Approvals;

/// <summary>The real server over a temp data folder with nodejs-process.md ingested, on a manual clock; approvals time out after an hour.</summary>
public sealed class ApprovalServerFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly TempDirectory _data = new("agentrag-approvals-api");

    public ManualTimeProvider Time { get; } = new();

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
        builder.UseSetting("AgentRag:Approvals:DefaultTimeout", "01:00:00");
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Time));
    }

    Task IAsyncLifetime.DisposeAsync()
    {
        Dispose();
        _data.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class ApprovalsApiTests(ApprovalServerFactory factory) : IClassFixture<ApprovalServerFactory>
{
    private const string Question = "What does the beforeExit event do in Node.js?";

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private CallerKeys Callers { get; } = new(factory.Services);

    private Task<HttpRequestMessage> DecideAsync(string approvalId, string action, object? body = null, string? user = null, string? tenant = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/approvals/{approvalId}/{action}");
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (tenant is not null)
        {
            request.Headers.Add("X-Tenant-ID", tenant);
        }

        return Callers.AsAsync(request, user);
    }

    /// <summary>Posts a gated query as SSE, reads up to <c>approval.required</c>, and returns (workflow id, approval id, that event's id).</summary>
    private static async Task<(string WorkflowId, string ApprovalId, long EventId)> AskGatedAsync(HttpClient client, string? tenant = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/queries") { Content = JsonContent.Create(new { query = Question, approval = "before_answer" }) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (tenant is not null)
        {
            request.Headers.Add("X-Tenant-ID", tenant);
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var required = await SseClient.ReadUntilAsync(response, "approval.required");
        return (response.Headers.GetValues("X-Workflow-Id").Single(), Json(required.Data).GetProperty("approvalId").GetString()!, required.Id!.Value);
    }

    [Fact]
    public async Task Approve_Pending_200ThenResumesAndASecondDecisionGets409WithTheExistingDecision()
    {
        var client = factory.CreateClient();
        var (workflowId, approvalId, eventId) = await AskGatedAsync(client);

        var state = Json(await client.GetStringAsync($"/v1/queries/{workflowId}"));
        state.GetProperty("status").GetString().ShouldBe("awaiting_approval");
        var pending = Json(await client.GetStringAsync($"/v1/approvals?status=pending&workflowId={workflowId}"));
        pending.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ShouldBe([approvalId]);
        var request = Json(await client.GetStringAsync($"/v1/approvals/{approvalId}"));
        request.GetProperty("status").GetString().ShouldBe("pending");
        request.GetProperty("context").GetProperty("sources")[0].GetProperty("documentName").GetString().ShouldBe("nodejs-process.md");
        request.GetProperty("suggestedDecision").GetString().ShouldBe("approve");

        var approved = await client.SendAsync(await DecideAsync(approvalId, "approve", new { comment = "Looks right." }, user: "alice"));
        approved.StatusCode.ShouldBe(HttpStatusCode.OK);
        var record = Json(await approved.Content.ReadAsStringAsync());
        record.GetProperty("status").GetString().ShouldBe("approved");
        record.GetProperty("resolution").GetProperty("decidedBy").GetString().ShouldBe(await Callers.IdentityAsync("alice"));

        using var follow = await SseClient.OpenAsync(client, $"/v1/queries/{workflowId}/events", lastEventId: eventId);
        var rest = await SseClient.ReadAllAsync(follow);
        rest[0].Type.ShouldBe("approval.resolved");
        rest.Where(e => e.Type != "token").Select(e => e.Type).Skip(1).ShouldBe(
            ["step.started", "step.completed", "step.started", "step.completed", "citations", "usage", "done"]);
        Json(rest[^1].Data).GetProperty("answer").GetString()!.ShouldContain("beforeExit");

        var second = await client.SendAsync(await DecideAsync(approvalId, "reject", new { comment = "too late" }, user: "bob"));
        second.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var conflict = Json(await second.Content.ReadAsStringAsync());
        conflict.GetProperty("status").GetString().ShouldBe("approved");
        conflict.GetProperty("decision").GetProperty("decidedBy").GetString().ShouldBe(await Callers.IdentityAsync("alice"));
        conflict.GetProperty("detail").GetString()!.ShouldContain($"approved by {await Callers.IdentityAsync("alice")}");
    }

    [Fact]
    public async Task PostJson_GatedQuery_ReturnsOnceItWaitsForApproval()
    {
        var client = factory.CreateClient();

        var response = await client.PostAsJsonAsync("/v1/queries", new { query = Question, approval = "before_answer" });
        var result = Json(await response.Content.ReadAsStringAsync());

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        result.GetProperty("status").GetString().ShouldBe("awaiting_approval");
        result.GetProperty("answer").ValueKind.ShouldBe(JsonValueKind.Null);
        var workflowId = result.GetProperty("workflowId").GetString()!;
        var pending = Json(await client.GetStringAsync($"/v1/approvals?workflowId={workflowId}"));
        pending.GetProperty("items")[0].GetProperty("status").GetString().ShouldBe("pending");
        (await client.SendAsync(await DecideAsync(pending.GetProperty("items")[0].GetProperty("id").GetString()!, "approve"))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Reject_WithoutBody_AnonymousAndTheAnswerSaysWhy()
    {
        var client = factory.CreateClient();
        var (workflowId, approvalId, eventId) = await AskGatedAsync(client);

        var rejected = await client.PostAsync($"/v1/approvals/{approvalId}/reject", null);
        using var follow = await SseClient.OpenAsync(client, $"/v1/queries/{workflowId}/events", lastEventId: eventId);
        var rest = await SseClient.ReadAllAsync(follow);

        rejected.StatusCode.ShouldBe(HttpStatusCode.OK);
        Json(await rejected.Content.ReadAsStringAsync()).GetProperty("resolution").GetProperty("decidedBy").GetString().ShouldBe(AgentRagClaims.OpenModeCaller);
        rest.Select(e => e.Type).ShouldBe(["approval.resolved", "citations", "usage", "done"]);
        Json(rest[^1].Data).GetProperty("answer").GetString()!.ShouldContain($"{AgentRagClaims.OpenModeCaller} rejected it");
        var state = Json(await client.GetStringAsync($"/v1/queries/{workflowId}"));
        state.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("status").GetString()).ShouldBe(["completed", "rejected", "skipped"]);
    }

    [Fact]
    public async Task Approve_XUserHeaderClaimingSomeoneElse_IsIgnoredAndTheCredentialDecides()
    {
        var client = factory.CreateClient();
        var (_, approvalId, _) = await AskGatedAsync(client);
        var request = await DecideAsync(approvalId, "approve", new { comment = "Checked." }, user: "alice");
        request.Headers.Add("X-User", "mallory");

        using var approved = await client.SendAsync(request);

        approved.StatusCode.ShouldBe(HttpStatusCode.OK);
        var alice = await Callers.IdentityAsync("alice");
        Json(await approved.Content.ReadAsStringAsync()).GetProperty("resolution").GetProperty("decidedBy").GetString().ShouldBe(alice);
        var history = Json(await client.GetStringAsync($"/v1/approvals/{approvalId}/history"));
        history.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("actor").GetString()).ShouldNotContain("mallory");
        history.GetProperty("entries").EnumerateArray().Last().GetProperty("actor").GetString().ShouldBe(alice);
    }

    [Fact]
    public async Task Modify_InputsFailingTheSchema_422WithFieldErrorsThenValidInputs200()
    {
        var client = factory.CreateClient();
        var (workflowId, approvalId, _) = await AskGatedAsync(client);

        var invalid = await client.SendAsync(await DecideAsync(approvalId, "modify", new { inputs = new { style = 5, tone = "formal" } }));
        invalid.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var problem = Json(await invalid.Content.ReadAsStringAsync());
        problem.GetProperty("errors").GetProperty("inputs.style")[0].GetString().ShouldBe("Input 'style' must be a string, not a number.");
        problem.GetProperty("errors").GetProperty("inputs.tone")[0].GetString()!.ShouldStartWith("Unknown input 'tone' (accepted: query, style, entities");
        var noInputs = await client.SendAsync(await DecideAsync(approvalId, "modify", new { comment = "x" }));
        noInputs.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        Json(await noInputs.Content.ReadAsStringAsync()).GetProperty("errors").GetProperty("inputs")[0].GetString()!.ShouldContain("needs \"inputs\"");
        (await client.GetStringAsync($"/v1/approvals/{approvalId}")).ShouldContain("\"status\":\"pending\"");

        var modified = await client.SendAsync(await DecideAsync(approvalId, "modify", new { inputs = new { query = "What does the beforeExit event do?" }, comment = "narrower" }, user: "carol"));
        modified.StatusCode.ShouldBe(HttpStatusCode.OK);
        var record = Json(await modified.Content.ReadAsStringAsync());
        record.GetProperty("resolution").GetProperty("decision").GetString().ShouldBe("modify");
        record.GetProperty("resolution").GetProperty("inputs").GetProperty("query").GetString().ShouldBe("What does the beforeExit event do?");

        var history = Json(await client.GetStringAsync($"/v1/approvals/{approvalId}/history"));
        var entries = history.GetProperty("entries").EnumerateArray().ToList();
        entries.Select(e => e.GetProperty("action").GetString()).ShouldBe(["requested", "modified"]);
        var decision = entries[1];
        decision.GetProperty("actor").GetString().ShouldBe(await Callers.IdentityAsync("carol"));
        decision.GetProperty("comment").GetString().ShouldBe("narrower");
        decision.GetProperty("status").GetString().ShouldBe("approved");
        decision.GetProperty("modifications").GetProperty("query").GetString().ShouldBe("What does the beforeExit event do?");
        decision.GetProperty("contextShown").GetProperty("context").GetProperty("query").GetString().ShouldBe(Question);
        decision.GetProperty("contextShown").GetProperty("action").GetString()!.ShouldStartWith("Write the answer to");
        DateTimeOffset.Parse(decision.GetProperty("at").GetString()!, System.Globalization.CultureInfo.InvariantCulture).ShouldBe(factory.Time.GetUtcNow());

        var export = Json(await client.GetStringAsync("/v1/approvals/audit"));
        export.GetProperty("entries").EnumerateArray().ShouldContain(e => e.GetProperty("approvalId").GetString() == approvalId && e.GetProperty("action").GetString() == "modified");
        using var follow = await SseClient.OpenAsync(client, $"/v1/queries/{workflowId}/events");
        (await SseClient.ReadAllAsync(follow))[^1].Type.ShouldBe("done");
    }

    [Fact]
    public async Task Decide_UnknownMalformedOrOtherTenant_404AndBadBodies400()
    {
        var client = factory.CreateClient();
        var (_, approvalId, _) = await AskGatedAsync(client);

        (await client.SendAsync(await DecideAsync("apr_0000000000000000", "approve"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.SendAsync(await DecideAsync("not-an-id", "approve"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.SendAsync(await DecideAsync(approvalId, "approve", tenant: "acme"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var otherTenantGet = new HttpRequestMessage(HttpMethod.Get, $"/v1/approvals/{approvalId}");
        otherTenantGet.Headers.Add("X-Tenant-ID", "acme");
        (await client.SendAsync(otherTenantGet)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.GetAsync("/v1/approvals/apr_0000000000000000/history")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var malformed = new HttpRequestMessage(HttpMethod.Post, $"/v1/approvals/{approvalId}/approve") { Content = new StringContent("{\"comment\": ", Encoding.UTF8, "application/json") };
        var bad = await client.SendAsync(malformed);
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("not valid JSON");
        var inputsOnApprove = await client.SendAsync(await DecideAsync(approvalId, "approve", new { inputs = new { query = "x" } }));
        inputsOnApprove.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await client.GetAsync("/v1/approvals?status=maybe")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await client.GetAsync("/v1/approvals?limit=0")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await client.GetAsync("/v1/approvals/audit?from=yesterday")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var badApproval = await client.PostAsJsonAsync("/v1/queries", new { query = Question, approval = "later" });
        badApproval.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await badApproval.Content.ReadAsStringAsync()).ShouldContain("Unknown approval 'later': use none or before_answer.");
        (await client.GetStringAsync($"/v1/approvals/{approvalId}")).ShouldContain("\"status\":\"pending\"");
        (await client.SendAsync(await DecideAsync(approvalId, "approve"))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Decide_Expired_410AndTheTenantStreamReplaysFromLastEventId()
    {
        var client = factory.CreateClient();
        using var inbox = await SseClient.OpenAsync(client, "/v1/approvals/events", tenant: "inbox-tenant");
        var (workflowId, approvalId, _) = await AskGatedAsync(client, tenant: "inbox-tenant");

        factory.Time.Advance(TimeSpan.FromMinutes(48));
        using (var expiring = await SseClient.OpenAsync(client, $"/v1/queries/{workflowId}/events", tenant: "inbox-tenant"))
        {
            await foreach (var e in SseClient.ReadEventsAsync(expiring, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token))
            {
                if (e.Type == "approval.expiring")
                {
                    break;
                }
            }
        }

        factory.Time.Advance(TimeSpan.FromMinutes(12));
        using (var follow = await SseClient.OpenAsync(client, $"/v1/queries/{workflowId}/events", tenant: "inbox-tenant"))
        {
            (await SseClient.ReadAllAsync(follow))[^1].Type.ShouldBe("done");
        }

        var late = await client.SendAsync(await DecideAsync(approvalId, "approve", tenant: "inbox-tenant"));
        late.StatusCode.ShouldBe(HttpStatusCode.Gone);
        Json(await late.Content.ReadAsStringAsync()).GetProperty("status").GetString().ShouldBe("expired");

        var live = new List<SseEvent>();
        await foreach (var e in SseClient.ReadEventsAsync(inbox, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token))
        {
            live.Add(e);
            if (e.Type == "approval.resolved")
            {
                break;
            }
        }

        live.Select(e => e.Type).ShouldBe(["approval.required", "approval.expiring", "approval.resolved"]);
        live.ShouldAllBe(e => Json(e.Data).GetProperty("approvalId").GetString() == approvalId);
        using var replay = await SseClient.OpenAsync(client, "/v1/approvals/events", lastEventId: live[0].Id, tenant: "inbox-tenant");
        var replayed = new List<SseEvent>();
        await foreach (var e in SseClient.ReadEventsAsync(replay, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token))
        {
            replayed.Add(e);
            if (replayed.Count == 2)
            {
                break;
            }
        }

        replayed.Select(e => (e.Id, e.Type)).ShouldBe(live.Skip(1).Select(e => (e.Id, e.Type)));
        var list = Json(await client.GetStringAsync("/v1/approvals?status=expired"));
        list.GetProperty("total").GetInt32().ShouldBe(0); // another tenant's
    }
}
