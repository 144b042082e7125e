using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;

namespace AgentRag.Cli.Tests;

/// <summary><c>agentrag serve</c> as a child process with a loopback model server: a workflow survives SIGKILL mid-synthesis.</summary>
public sealed class ServeWorkflowCrashTests
{
    private const string Answer = "Use the assignment operator <-, as in x <- c(10.4, 5.6, 3.1, 6.4, 21.7), which assigns a vector to x [1].";

    [Fact]
    public async Task Serve_KilledWhileSynthesisWaitsOnTheModel_RestartFinishesWithoutRepeatingThePlanner()
    {
        await using var model = await OpenAiTestServer.StartAsync();
        model.Chat.Enqueue(ScriptedResponse.Reply("""{"steps": []}""")); // the planner: an invalid plan, so the rules plan
        var held = model.Chat.Enqueue(ScriptedResponse.Held(ScriptedResponse.Reply("never sent"))); // synthesis, in flight at the kill
        model.Chat.Enqueue(ScriptedResponse.Reply(Answer)); // synthesis again, after the restart
        using var data = new TempDirectory();
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
        string workflowId;

        await using (var server = StartServer(data.Path, url, model))
        {
            await server.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            await DocumentUploads.UploadAndWaitAsync(http, "R-intro.pdf");

            using var ask = new HttpRequestMessage(HttpMethod.Post, "/v1/queries")
            {
                Content = new StringContent("""{"query": "How do I assign a value to a variable in R?"}""", Encoding.UTF8, "application/json"),
            };
            ask.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var stream = await http.SendAsync(ask, HttpCompletionOption.ResponseHeadersRead);
            stream.StatusCode.ShouldBe(HttpStatusCode.OK);
            workflowId = stream.Headers.GetValues("X-Workflow-Id").Single();
            await held.Received.WaitAsync(TimeSpan.FromMinutes(1));
            model.Count("chat").ShouldBe(2);
            server.Kill();
        }

        await using (var restarted = StartServer(data.Path, url, model))
        {
            await restarted.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            using var replay = new HttpRequestMessage(HttpMethod.Get, $"/v1/queries/{workflowId}/events");
            replay.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var events = await http.SendAsync(replay, HttpCompletionOption.ResponseHeadersRead);
            var body = await events.Content.ReadAsStringAsync(); // ends after the final event
            body.ShouldContain("event: done");

            var state = await http.GetFromJsonAsync<JsonElement>($"/v1/queries/{workflowId}");
            state.GetProperty("status").GetString().ShouldBe("completed");
            state.GetProperty("answer").GetProperty("answer").GetString().ShouldBe(Answer);
            state.GetProperty("answer").GetProperty("mode").GetString().ShouldBe("model");
            var steps = state.GetProperty("steps").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!);
            steps["retrieve"].GetProperty("attempts").GetInt32().ShouldBe(1);
            steps["synthesize"].GetProperty("attempts").GetInt32().ShouldBe(2);
        }

        // The planner ran once, before the kill; only the synthesis call in flight was repeated.
        var chat = model.Requests.Where(r => r.Route == "chat").ToList();
        chat.Count.ShouldBe(3);
        chat.Count(r => r.Body.Contains("You plan how a question-answering system", StringComparison.Ordinal)).ShouldBe(1);
        chat.Count(r => r.Body.Contains("numbered context passages", StringComparison.Ordinal)).ShouldBe(2);
    }

    private static CliProcess StartServer(string data, string url, OpenAiTestServer model) => CliProcess.Start(
        ["serve", "--urls", url, "--data", data, "--log-format", "text"],
        new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = model.BaseUrl.ToString(),
            ["AGENTRAG_CHAT_MODEL"] = "test-model",
            ["AgentRag__Models__Resilience__MaxRetries"] = "0",
        });
}
