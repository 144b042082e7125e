using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.TestKit;

namespace AgentRag.Cli.Tests;

/// <summary>
/// <c>agentrag serve --auth required</c> as a child process, with a key made by <c>agentrag keys create</c>: an approval
/// that outlives a crash of the server, decided by the key's holder (an <c>X-User</c> header claiming otherwise is ignored).
/// </summary>
public sealed class ApprovalsServeTests
{
    private const string Question = "What does the beforeExit event do in Node.js?";

    [Fact]
    public async Task Serve_KilledWhileAwaitingApproval_ApproveAfterRestartAndReconnectGetsResolvedThenTheAnswer()
    {
        using var data = new TempDirectory();
        var ingest = await CliProcess.RunAsync(["ingest", SharedPaths.CorpusFile("nodejs-process.md"), "--data", data.Path, "--log-format", "text"]);
        ingest.ExitCode.ShouldBe(0, ingest.ToString());
        var created = await CliProcess.RunAsync(["keys", "create", "--role", "admin", "--name", "dana", "--json", "--data", data.Path, "--log-format", "text"]);
        created.ExitCode.ShouldBe(0, created.ToString());
        var key = JsonDocument.Parse(created.StandardOutput).RootElement;
        var dana = $"dana ({key.GetProperty("id").GetString()})";
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.GetProperty("key").GetString());
        string workflowId, approvalId;
        long requiredId;

        await using (var server = StartServer(data.Path, url))
        {
            await server.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            var ask = new HttpRequestMessage(HttpMethod.Post, "/v1/queries") { Content = JsonContent.Create(new { query = Question, approval = "before_answer" }) };
            ask.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var stream = await http.SendAsync(ask, HttpCompletionOption.ResponseHeadersRead);
            stream.StatusCode.ShouldBe(HttpStatusCode.OK);
            workflowId = stream.Headers.GetValues("X-Workflow-Id").Single();
            var required = await SseClient.ReadUntilAsync(stream, "approval.required", TimeSpan.FromMinutes(1));
            requiredId = required.Id!.Value;
            approvalId = JsonDocument.Parse(required.Data).RootElement.GetProperty("approvalId").GetString()!;
            (await http.GetFromJsonAsync<JsonElement>($"/v1/approvals/{approvalId}")).GetProperty("status").GetString().ShouldBe("pending");

            server.Kill();
        }

        await using (var restarted = StartServer(data.Path, url))
        {
            await restarted.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            (await http.GetFromJsonAsync<JsonElement>($"/v1/queries/{workflowId}")).GetProperty("status").GetString().ShouldBe("awaiting_approval");

            var approve = new HttpRequestMessage(HttpMethod.Post, $"/v1/approvals/{approvalId}/approve") { Content = JsonContent.Create(new { comment = "after the crash" }) };
            approve.Headers.Add("X-User", "mallory"); // ignored: the approver is the credential
            var approved = await http.SendAsync(approve);
            approved.StatusCode.ShouldBe(HttpStatusCode.OK, await approved.Content.ReadAsStringAsync());

            var follow = new HttpRequestMessage(HttpMethod.Get, $"/v1/queries/{workflowId}/events");
            follow.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            follow.Headers.Add("Last-Event-ID", requiredId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var events = await http.SendAsync(follow, HttpCompletionOption.ResponseHeadersRead);
            var rest = await SseClient.ReadAllAsync(events);

            rest[0].Type.ShouldBe("approval.resolved");
            rest[0].Id.ShouldBe(requiredId + 1);
            var resolved = JsonDocument.Parse(rest[0].Data).RootElement;
            (resolved.GetProperty("status").GetString(), resolved.GetProperty("decidedBy").GetString()).ShouldBe(("approved", dana));
            rest.Select(e => e.Id).ShouldBe(Enumerable.Range(0, rest.Count).Select(i => (long?)(requiredId + 1 + i)));
            var afterDecision = rest.Select(e => e.Type).Where(t => t != "token").ToList();
            afterDecision.ShouldBe(["approval.resolved", "step.started", "step.completed", "step.started", "step.completed", "citations", "usage", "done"]);
            rest.ShouldContain(e => e.Type == "token");
            var done = JsonDocument.Parse(rest[^1].Data).RootElement;
            done.GetProperty("answer").GetString()!.ShouldContain("beforeExit");
            done.GetProperty("citations")[0].GetProperty("documentName").GetString().ShouldBe("nodejs-process.md");
            (await http.GetFromJsonAsync<JsonElement>($"/v1/approvals/{approvalId}/history")).GetProperty("entries").EnumerateArray()
                .Select(e => (e.GetProperty("action").GetString(), e.GetProperty("actor").GetString())).ShouldBe([("requested", "system"), ("approved", dana)]);
        }
    }

    private static CliProcess StartServer(string data, string url) =>
        CliProcess.Start(["serve", "--urls", url, "--data", data, "--log-format", "text", "--auth", "required"]);
}
