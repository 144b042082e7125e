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

    [Fact]
    public async Task Cluster_ReplicaHoldingPendingApprovalsKilled_OneIsDecidedOnASurvivorAndTheOtherTimesOutOnOne()
    {
        // Long enough for the decision after the failover, short enough for the undecided one to time out in the test.
        await using var cluster = new ServeCluster(3, new Dictionary<string, string?> { ["AgentRag__Approvals__DefaultTimeout"] = "00:00:25" });
        await cluster.StartAllAsync();
        var worker = cluster[0];
        await DocumentUploads.UploadAndWaitAsync(worker.Http, "R-intro.pdf");
        var decided = await WaitForApprovalAsync(worker.Http);
        var undecided = await WaitForApprovalAsync(worker.Http);
        cluster.Find(line => line.Contains($"Actor workflow/default/{decided.WorkflowId} activated", StringComparison.Ordinal)).ShouldBe(worker);
        var killedAt = ServeCluster.Kill(worker);

        // Decided on a survivor: the call is retried until the dead replica is evicted, then the actor activates there.
        using var approve = await cluster[1].Http.PostAsJsonAsync($"/v1/approvals/{decided.ApprovalId}/approve", new { comment = "fine" });
        var decidedAfter = Stopwatch.GetElapsedTime(killedAt);
        approve.StatusCode.ShouldBe(HttpStatusCode.OK, await approve.Content.ReadAsStringAsync());
        var decidedEvents = await FollowAsync(cluster[2], decided.WorkflowId, decided.LastEventId);
        decidedEvents.ShouldContain(e => e.Type == "approval.resolved" && e.Data.Contains("\"approved\"", StringComparison.Ordinal));
        decidedEvents[^1].Type.ShouldBe("done");
        decidedEvents[0].Id.ShouldBe(decided.LastEventId + 1);

        // Nobody decides the other one: its timeout (a durable reminder) fires on a survivor.
        var undecidedEvents = await FollowAsync(cluster[1], undecided.WorkflowId, undecided.LastEventId);
        var expiredAfter = Stopwatch.GetElapsedTime(killedAt);
        undecidedEvents.ShouldContain(e => e.Type == "approval.resolved" && e.Data.Contains("\"expired\"", StringComparison.Ordinal));
        undecidedEvents[0].Id.ShouldBe(undecided.LastEventId + 1);
        output.WriteLine($"mid-approval failover: decided on a survivor {decidedAfter.TotalSeconds:F1} s after the SIGKILL; the other expired there {expiredAfter.TotalSeconds:F1} s after it (timeout 25 s from its request)");
        var approval = await cluster[2].Http.GetFromJsonAsync<JsonElement>($"/v1/approvals/{undecided.ApprovalId}");
        approval.GetProperty("status").GetString().ShouldBe("expired");
    }

    [Fact]
    public async Task Cluster_ReplicaIngestingKilled_TheDocumentEndsReadyOnASurvivorWithTheEmbeddedChunkCount()
    {
        var embedded = await PostgresServeFailoverTests.EmbeddedIngestAsync("R-data.pdf");
        await using var cluster = new ServeCluster(3);
        var worker = cluster[0];
        // The first replica alone holds the job at chunking; the others join while it holds it (its lease is live).
        await cluster.StartAsync(worker, new Dictionary<string, string?> { ["AGENTRAG_TEST_HOLD_AT_STAGE"] = "chunking" });
        var id = await DocumentUploads.UploadAsync(worker.Http, "R-data.pdf");
        await worker.Process!.WaitForOutputAsync(line => line.Contains("holding at stage Chunking", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        await cluster.StartAsync(cluster[1]);
        await cluster.StartAsync(cluster[2]);
        var killedAt = ServeCluster.Kill(worker);

        var survivor = await WaitForAnyAsync(cluster[1], cluster[2], line => line.Contains($"Claimed {id} again", StringComparison.Ordinal));
        var claimedAfter = Stopwatch.GetElapsedTime(killedAt);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/documents/{id}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var events = await survivor.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        (await events.Content.ReadAsStringAsync()).ShouldContain("event: ready");
        output.WriteLine($"mid-ingestion failover: {survivor} claimed the document {claimedAfter.TotalSeconds:F1} s after the SIGKILL (lease 3 s) and it was ready {Stopwatch.GetElapsedTime(killedAt).TotalSeconds:F1} s after it");

        foreach (var replica in new[] { cluster[1], cluster[2] })
        {
            var document = await replica.Http.GetFromJsonAsync<JsonElement>($"/v1/documents/{id}");
            document.GetProperty("status").GetString().ShouldBe("ready");
            document.GetProperty("attempts").GetInt32().ShouldBe(2);
            document.GetProperty("pageCount").GetInt32().ShouldBe(embedded.Pages);
            document.GetProperty("chunkCount").GetInt32().ShouldBe(embedded.Chunks);
        }

        cluster.Database.Scalar("SELECT count(*) FROM chunks").ShouldBe((long)embedded.Chunks);
    }

    [Fact]
    public async Task Cluster_RollingRestartUnderQueryLoad_EveryQueryThatGotAWorkflowIdReachesDone()
    {
        await using var cluster = new ServeCluster(3);
        await cluster.StartAllAsync();
        await DocumentUploads.UploadAndWaitAsync(cluster[0].Http, "R-intro.pdf");
        foreach (var replica in cluster.Replicas)
        {
            await WaitUntilSearchableAsync(replica, "assignment operator");
        }

        using var stop = new CancellationTokenSource();
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<(string WorkflowId, bool Done, int Reconnects, int Retries)>();
        var clients = Enumerable.Range(0, 2).Select(client => Task.Run(async () =>
        {
            for (var n = client; !stop.IsCancellationRequested; n++)
            {
                outcomes.Add(await AskWithRetryAsync(cluster, n));
            }
        })).ToList();

        var restarts = new List<string>();
        foreach (var replica in cluster.Replicas)
        {
            await Task.Delay(TimeSpan.FromSeconds(3)); // queries in flight on every replica
            var started = Stopwatch.GetTimestamp();
            await ServeCluster.StopAsync(replica);
            await cluster.StartAsync(replica);
            restarts.Add($"{replica} {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromMinutes(3));

        output.WriteLine($"rolling restart: {outcomes.Count} queries, {outcomes.Sum(o => o.Retries)} sent again to another replica before they got a workflow id, {outcomes.Sum(o => o.Reconnects)} stream reconnects; restarts (stop + start): {string.Join(", ", restarts)}");
        outcomes.Count.ShouldBeGreaterThan(6);
        outcomes.Where(o => !o.Done).Select(o => o.WorkflowId).ShouldBeEmpty();
        foreach (var (workflowId, _, _, _) in outcomes)
        {
            var state = await cluster[workflowId[^1] % 3].Http.GetFromJsonAsync<JsonElement>($"/v1/queries/{workflowId}");
            state.GetProperty("status").GetString().ShouldBe("completed");
        }
    }

    [Fact]
    public async Task Cli_AgainstTheCluster_DocsListAndAskThroughTheConnectionStringsAndApprovalsApproveThroughAnyReplicasUrl()
    {
        await using var cluster = new ServeCluster(3);
        await cluster.StartAllAsync();
        var documentId = await DocumentUploads.UploadAndWaitAsync(cluster[0].Http, "R-intro.pdf");
        using var cliData = new TempDirectory();
        var environment = new Dictionary<string, string?>(cluster.ClientEnvironment);

        var list = await CliProcess.RunAsync(["docs", "list", "--data", cliData.Path, "--json"], environment);
        list.ExitCode.ShouldBe(0, list.ToString());
        list.StandardOutput.ShouldContain(documentId);
        list.StandardOutput.ShouldContain("R-intro.pdf");

        // ask: an Orleans client of the cluster; the workflow runs on a replica and its events come from PostgreSQL.
        var ask = await CliProcess.RunAsync(["ask", Question, "--mode", "extractive", "--data", cliData.Path, "--json"], environment);
        ask.ExitCode.ShouldBe(0, ask.ToString());
        var answer = JsonDocument.Parse(ask.OutputLines.Last()).RootElement;
        answer.GetProperty("status").GetString().ShouldBe("completed");
        answer.GetProperty("answer").GetString()!.ShouldContain("<-");
        var asked = answer.GetProperty("workflowId").GetString()!;
        var onReplica = await cluster[2].Http.GetFromJsonAsync<JsonElement>($"/v1/queries/{asked}");
        onReplica.GetProperty("status").GetString().ShouldBe("completed");

        var pending = await WaitForApprovalAsync(cluster[1].Http);
        var approve = await CliProcess.RunAsync(["approvals", "approve", pending.ApprovalId, "--url", cluster[2].Url, "--data", cliData.Path, "--json"]);
        approve.ExitCode.ShouldBe(0, approve.ToString());
        var events = await FollowAsync(cluster[0], pending.WorkflowId, pending.LastEventId);
        events.ShouldContain(e => e.Type == "approval.resolved" && e.Data.Contains("\"approved\"", StringComparison.Ordinal));
        events[^1].Type.ShouldBe("done");
    }

    /// <summary>
    /// One query as a client with retries does it: POST to a replica (another one after a connection error or a 5xx);
    /// once it has a workflow id, follow the stream, reconnecting to another replica with Last-Event-ID until <c>done</c>.
    /// </summary>
    private static async Task<(string WorkflowId, bool Done, int Reconnects, int Retries)> AskWithRetryAsync(ServeCluster cluster, int n)
    {
        string? workflowId = null;
        long? lastId = null;
        var reconnects = 0;
        var retries = 0;
        var started = Stopwatch.GetTimestamp();
        for (var attempt = n; Stopwatch.GetElapsedTime(started) < TimeSpan.FromMinutes(2); attempt++)
        {
            var replica = cluster[attempt % 3];
            try
            {
                using var response = workflowId is null
                    ? await PostStreamingQueryAsync(replica.Http, $$"""{"query": "{{Question}}", "mode": "extractive"}""")
                    : await SseClient.OpenAsync(replica.Http, $"/v1/queries/{workflowId}/events", lastId);
                if (response.IsSuccessStatusCode)
                {
                    workflowId ??= response.Headers.GetValues("X-Workflow-Id").Single();
                    using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
                    await foreach (var e in SseClient.ReadEventsAsync(response, timeout.Token))
                    {
                        lastId = e.Id ?? lastId;
                        if (e.Type == "done")
                        {
                            return (workflowId, true, reconnects, retries);
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                // The replica went away: the next attempt goes to another one.
            }

            if (workflowId is null)
            {
                retries++;
            }
            else
            {
                reconnects++;
            }

            await Task.Delay(200);
        }

        return (workflowId ?? "(none)", false, reconnects, retries);
    }

    private static async Task<HttpResponseMessage> PostStreamingQueryAsync(HttpClient http, string body)
    {
        using var ask = new HttpRequestMessage(HttpMethod.Post, "/v1/queries") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        ask.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return await http.SendAsync(ask, HttpCompletionOption.ResponseHeadersRead);
    }

    private static async Task WaitUntilSearchableAsync(ServeCluster.Replica replica, string query)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromMinutes(1))
        {
            using var response = await replica.Http.PostAsJsonAsync("/v1/search", new { query });
            response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            if ((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hits").GetArrayLength() > 0)
            {
                return;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{replica} did not index the document within a minute.");
    }

    /// <summary>Starts an extractive query behind a before-answer approval and reads its stream until the request is made.</summary>
    private static async Task<(string WorkflowId, string ApprovalId, long LastEventId)> WaitForApprovalAsync(HttpClient http)
    {
        using var stream = await StreamQueryAsync(http, $$"""{"query": "{{Question}}", "mode": "extractive", "approval": "before_answer"}""");
        var workflowId = stream.Headers.GetValues("X-Workflow-Id").Single();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await foreach (var e in SseClient.ReadEventsAsync(stream, timeout.Token))
        {
            if (e.Type == "approval.required")
            {
                return (workflowId, JsonDocument.Parse(e.Data).RootElement.GetProperty("approvalId").GetString()!, e.Id!.Value);
            }
        }

        throw new InvalidOperationException($"Workflow {workflowId} ended without asking for approval.");
    }

    /// <summary>The workflow's events after <paramref name="lastEventId"/>, from <paramref name="replica"/>, until its stream ends.</summary>
    private static async Task<List<SseEvent>> FollowAsync(ServeCluster.Replica replica, string workflowId, long lastEventId)
    {
        using var stream = await SseClient.OpenAsync(replica.Http, $"/v1/queries/{workflowId}/events", lastEventId);
        stream.StatusCode.ShouldBe(HttpStatusCode.OK, await ErrorBodyAsync(stream));
        return await SseClient.ReadAllAsync(stream, TimeSpan.FromMinutes(2));
    }

    private static async Task<ServeCluster.Replica> WaitForAnyAsync(ServeCluster.Replica first, ServeCluster.Replica second, Func<string, bool> match)
    {
        var a = first.Process!.WaitForOutputAsync(match, TimeSpan.FromMinutes(1));
        var b = second.Process!.WaitForOutputAsync(match, TimeSpan.FromMinutes(1));
        var winner = await Task.WhenAny(a, b);
        await winner;
        return winner == a ? first : second;
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
