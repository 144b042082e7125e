using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;
using Xunit.Abstractions;

namespace AgentRag.Cli.Tests.Cluster;

/// <summary>
/// Three <c>agentrag serve --cluster</c> replicas (PostgreSQL storage, the Orleans runtime on the test Redis) as child
/// processes, with the membership timeouts set explicitly (<see cref="ServeCluster.MembershipSettings"/>). Each scenario
/// SIGKILLs the replica doing the work and checks that nothing is lost and nothing runs twice; the failover times are
/// written to the test output.
/// </summary>
public sealed class OrleansClusterTests(ITestOutputHelper output)
{
    private const string Answer = "Use the assignment operator <-, as in x <- c(10.4, 5.6, 3.1, 6.4, 21.7), which assigns a vector to x [1].";
    private const string Question = "How do I assign a value to a variable in R?";

    [Fact]
    public async Task Cluster_ReplicaRunningTheWorkflowKilledMidSynthesis_FinishesOnASurvivorWithoutRerunningCompletedStepsAndTheStreamResumesGapless()
    {
        await using var model = await OpenAiTestServer.StartAsync();
        model.Chat.Enqueue(ScriptedResponse.Reply("""{"steps": []}""")); // the planner: an invalid plan, so the rules plan
        var stalled = model.Chat.Enqueue(ScriptedResponse.PausedAfter(2, ScriptedResponse.Reply("never finished on the first replica"))); // in flight at the kill
        model.Chat.Enqueue(ScriptedResponse.Reply(Answer)); // synthesis again, on a survivor
        await using var cluster = new ServeCluster(3, ModelSettings(model));
        await cluster.StartAllAsync();
        var worker = cluster[0];
        await DocumentUploads.UploadAndWaitAsync(worker.Http, "R-intro.pdf");

        using var stream = await StreamQueryAsync(worker.Http, $$"""{"query": "{{Question}}"}""");
        var workflowId = stream.Headers.GetValues("X-Workflow-Id").Single();
        var before = new List<SseEvent>();
        await foreach (var e in SseClient.ReadEventsAsync(stream))
        {
            before.Add(e);
            if (e.Type == "token")
            {
                break; // the model has started writing the answer
            }
        }

        await stalled.Paused.WaitAsync(TimeSpan.FromMinutes(1));
        cluster.Find(line => line.Contains($"Actor workflow/default/{workflowId} activated", StringComparison.Ordinal)).ShouldBe(worker);
        var completedBefore = before.Where(e => e.Type == "step.completed").Select(StepId).ToList();
        completedBefore.ShouldContain("retrieve");
        var killedAt = ServeCluster.Kill(worker);

        // The client reconnects to a survivor with the last id it saw.
        var survivor = cluster[1];
        using var resumed = await SseClient.OpenAsync(survivor.Http, $"/v1/queries/{workflowId}/events", lastEventId: before[^1].Id);
        resumed.StatusCode.ShouldBe(HttpStatusCode.OK);
        var after = new List<SseEvent>();
        TimeSpan? failover = null;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            await foreach (var e in SseClient.ReadEventsAsync(resumed, timeout.Token))
            {
                failover ??= e.Type == "step.started" ? Stopwatch.GetElapsedTime(killedAt) : null;
                after.Add(e);
            }
        }

        output.WriteLine($"mid-workflow failover: the synthesis step started again on a survivor {failover?.TotalSeconds:F1} s after the SIGKILL");
        after.ShouldContain(e => e.Type == "done");
        // Nothing missed, nothing twice: the ids before and after the kill are one gapless sequence.
        before.Concat(after).Select(e => e.Id!.Value).ShouldBe(Enumerable.Range(1, before.Count + after.Count).Select(i => (long)i));
        // Completed steps never started again; every step completed exactly once.
        var startedAfter = after.Where(e => e.Type == "step.started").ToList();
        startedAfter.Select(StepId).Intersect(completedBefore).ShouldBeEmpty();
        StepId(startedAfter[0]).ShouldBe("synthesize");
        JsonDocument.Parse(startedAfter[0].Data).RootElement.GetProperty("resumed").GetBoolean().ShouldBeTrue();
        var completed = before.Concat(after).Where(e => e.Type == "step.completed").Select(StepId).ToList();
        completed.ShouldBeUnique();
        after.ShouldContain(e => e.Type == "token.reset");

        var state = await survivor.Http.GetFromJsonAsync<JsonElement>($"/v1/queries/{workflowId}");
        state.GetProperty("status").GetString().ShouldBe("completed");
        state.GetProperty("answer").GetProperty("answer").GetString().ShouldBe(Answer);
        var steps = state.GetProperty("steps").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!);
        steps["retrieve"].GetProperty("attempts").GetInt32().ShouldBe(1);
        steps["synthesize"].GetProperty("attempts").GetInt32().ShouldBe(2);
        steps.Values.ShouldAllBe(s => s.GetProperty("status").GetString() == "completed");
        completed.Order().ShouldBe(steps.Keys.Order());
        // The planner ran once, before the kill; only the synthesis call in flight was repeated.
        model.Count("chat").ShouldBe(3);
    }

    private static Dictionary<string, string?> ModelSettings(OpenAiTestServer model) => new()
    {
        ["OPENAI_BASE_URL"] = model.BaseUrl.ToString(),
        ["AGENTRAG_CHAT_MODEL"] = "test-model",
        ["AgentRag__Models__Resilience__MaxRetries"] = "0",
    };

    private static async Task<HttpResponseMessage> StreamQueryAsync(HttpClient http, string body)
    {
        using var ask = new HttpRequestMessage(HttpMethod.Post, "/v1/queries") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        ask.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var response = await http.SendAsync(ask, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await ErrorBodyAsync(response));
        return response;
    }

    private static async Task<string> ErrorBodyAsync(HttpResponseMessage response) =>
        response.IsSuccessStatusCode ? "" : await response.Content.ReadAsStringAsync();

    private static string StepId(SseEvent e) => JsonDocument.Parse(e.Data).RootElement.GetProperty("stepId").GetString()!;
}
