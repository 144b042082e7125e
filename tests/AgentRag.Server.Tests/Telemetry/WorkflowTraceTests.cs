using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.Core;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Server.Telemetry;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace AgentRag.Server.Tests.Telemetry;

/// <summary>
/// Traces exported over OTLP/HTTP (protobuf) to a loopback collector and decoded there: a query's workflow is one trace,
/// and sampling keeps errors. Other tests' servers share the process's span listeners, so every assertion selects its
/// own spans (by workflow id, or by a source and span names of its own).
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class WorkflowTraceTests
{
    private const string Question = "What does the beforeExit event do in Node.js?";

    [Fact]
    public async Task Query_ApprovedAfterThirtyMinutes_PlanStepsAndOneApprovalWaitShareTheRequestsTrace()
    {
        using var collector = new LoopbackOtlpCollector();
        var time = new ManualTimeProvider();
        using var factory = new AgentRagServerFactory(new Dictionary<string, string?>
        {
            [TelemetrySetup.OtlpEndpointVariable] = collector.Url,
            [TelemetrySetup.OtlpProtocolVariable] = "http/protobuf",
        }, time: time);
        await IngestAsync(factory);
        var client = factory.CreateClient();

        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/queries") { Content = JsonContent.Create(new { query = Question, approval = "before_answer" }) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        string workflowId, approvalId;
        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            var required = await SseClient.ReadUntilAsync(response, "approval.required");
            workflowId = response.Headers.GetValues("X-Workflow-Id").Single();
            approvalId = JsonDocument.Parse(required.Data).RootElement.GetProperty("approvalId").GetString()!;
        }

        time.Advance(TimeSpan.FromMinutes(30));
        (await client.PostAsJsonAsync($"/v1/approvals/{approvalId}/approve", new { comment = "ok" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        using (var follow = await SseClient.OpenAsync(client, $"/v1/queries/{workflowId}/events"))
        {
            await SseClient.ReadUntilAsync(follow, "done");
        }

        factory.Services.GetRequiredService<TracerProvider>().ForceFlush().ShouldBeTrue();
        var spans = collector.Spans();
        var workflowSpans = spans.Where(s => s.Attributes.GetValueOrDefault("agentrag.workflow.id") == workflowId).ToList();
        var names = workflowSpans.Select(s => s.Name).ToList();
        names.ShouldContain("workflow.plan");
        names.ShouldContain("workflow.step retrieval");
        names.ShouldContain("workflow.step synthesis");
        names.ShouldContain("workflow.step citation");
        names.ShouldContain("workflow.commit");
        var traceId = workflowSpans[0].TraceId;
        workflowSpans.ShouldAllBe(s => s.TraceId == traceId);

        // The trace is the request's: the workflow's spans are children of the POST that started it.
        var post = spans.Single(s => s.TraceId == traceId && s.ParentSpanId.Length == 0);
        post.Name.ShouldStartWith("POST /v1/queries"); // the group's route, "/v1/queries/"
        spans.Single(s => s.Name == "workflow.plan" && s.TraceId == traceId).ParentSpanId.ShouldBe(post.SpanId);

        // What an agent does is inside its step: the retrieval step's search spans are its children, same trace.
        var retrieval = workflowSpans.Single(s => s.Name == "workflow.step retrieval");
        retrieval.Attributes["agentrag.agent"].ShouldBe("retrieval");

        // The wait is one span, from the request to the decision, on the server's clock (30 minutes of a manual clock).
        var wait = workflowSpans.Single(s => s.Name == "workflow.approval_wait");
        wait.Attributes["agentrag.approval.id"].ShouldBe(approvalId);
        wait.Attributes["agentrag.approval.status"].ShouldBe("approved");
        wait.Duration.ShouldBe(TimeSpan.FromMinutes(30));
        wait.ParentSpanId.ShouldBe(post.SpanId);
    }

    [Fact]
    public async Task Sampling_RatioZero_ExportsOnlyTheSpanThatFailed()
    {
        using var collector = new LoopbackOtlpCollector();
        using var factory = new AgentRagServerFactory(new Dictionary<string, string?>
        {
            [TelemetrySetup.OtlpEndpointVariable] = collector.Url,
            [TelemetrySetup.OtlpProtocolVariable] = "http/protobuf",
            ["AgentRag:Telemetry:SamplingRatio"] = "0",
        });
        (await factory.CreateClient().GetAsync("/v1/documents")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // A source under AgentRag.* (which the server listens to), with span names no other test uses.
        using var source = new ActivitySource("AgentRag.Tests.Sampling");
        string traceId;
        using (var parent = source.StartActivity("sampling.parent"))
        {
            parent.ShouldNotBeNull("unsampled spans are still recorded, so logs carry a trace id");
            parent.Recorded.ShouldBeFalse();
            traceId = parent.TraceId.ToHexString();
            using (source.StartActivity("sampling.ok"))
            {
            }

            using var failed = source.StartActivity("sampling.failed");
            failed!.SetStatus(ActivityStatusCode.Error, "boom");
        }

        factory.Services.GetRequiredService<TracerProvider>().ForceFlush().ShouldBeTrue();
        var spans = collector.Spans();
        spans.Where(s => s.Name.StartsWith("sampling.", StringComparison.Ordinal)).Select(s => s.Name).ShouldBe(["sampling.failed"]);
        var kept = spans.Single(s => s.Name == "sampling.failed");
        kept.TraceId.ShouldBe(traceId);
        kept.StatusCode.ShouldBe(OtlpSpan.Error);
        spans.ShouldNotContain(s => s.Name == "GET /v1/documents" && s.StatusCode != OtlpSpan.Error);
    }

    [Fact]
    public async Task Sampling_RatioOne_ExportsEverySpanOfTheTrace()
    {
        using var collector = new LoopbackOtlpCollector();
        using var factory = new AgentRagServerFactory(new Dictionary<string, string?>
        {
            [TelemetrySetup.OtlpEndpointVariable] = collector.Url,
            [TelemetrySetup.OtlpProtocolVariable] = "http/protobuf",
            ["AgentRag:Telemetry:SamplingRatio"] = "1",
        });
        _ = factory.Services;

        using var source = new ActivitySource("AgentRag.Tests.SamplingAll");
        using (var parent = source.StartActivity("sampled.parent"))
        {
            parent!.Recorded.ShouldBeTrue();
            using (source.StartActivity("sampled.child"))
            {
            }
        }

        factory.Services.GetRequiredService<TracerProvider>().ForceFlush().ShouldBeTrue();
        collector.Spans().Where(s => s.Name.StartsWith("sampled.", StringComparison.Ordinal)).Select(s => s.Name).Order()
            .ShouldBe(["sampled.child", "sampled.parent"]);
    }

    private static async Task IngestAsync(AgentRagServerFactory factory)
    {
        var ingestion = factory.Services.GetRequiredService<DocumentIngestionService>();
        var submitted = await ingestion.SubmitFileAsync(Tenancy.DefaultTenant, SharedPaths.CorpusFile("nodejs-process.md"));
        await ingestion.ProcessAsync(Tenancy.DefaultTenant, submitted.Document.Id);
    }
}

/// <summary>
/// Tests that assert which spans a sampler exports run alone: every tracer provider in the process listens to the
/// <c>AgentRag.*</c> sources, and a span is recorded when any listener samples it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "telemetry";
}
