using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.TestKit;

namespace AgentRag.Cli.Tests;

/// <summary><c>agentrag approvals</c> through a running server (<c>--url</c>) and on the data folder directly.</summary>
public sealed class ApprovalsCommandTests
{
    [Fact]
    public async Task Approvals_ThroughTheServerThenOnTheDataFolder_ListShowApproveReject()
    {
        using var data = new TempDirectory();
        (await CliProcess.RunAsync(["ingest", SharedPaths.CorpusFile("nodejs-process.md"), "--data", data.Path])).ExitCode.ShouldBe(0);
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
        string first, second, erin;

        await using (var server = CliProcess.Start(["serve", "--urls", url, "--data", data.Path, "--log-format", "text"]))
        {
            await server.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            first = await AskGatedAsync(http);
            second = await AskGatedAsync(http);

            var list = await CliProcess.RunAsync(["approvals", "list", "--status", "pending", "--url", url, "--json", "--data", data.Path]);
            list.ExitCode.ShouldBe(0, list.ToString());
            JsonDocument.Parse(list.StandardOutput).RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).Order()
                .ShouldBe(new[] { first, second }.Order());

            var key = await CliProcess.RunAsync(["keys", "create", "--role", "admin", "--name", "erin", "--json", "--data", data.Path]);
            key.ExitCode.ShouldBe(0, key.ToString());
            var erinKey = JsonDocument.Parse(key.StandardOutput).RootElement;
            erin = $"erin ({erinKey.GetProperty("id").GetString()})";
            var reject = await CliProcess.RunAsync(
                ["approvals", "reject", first, "--comment", "not now", "--user", "mallory", "--url", url, "--api-key", erinKey.GetProperty("key").GetString()!, "--json", "--data", data.Path]);
            reject.ExitCode.ShouldBe(0, reject.ToString());
            JsonDocument.Parse(reject.StandardOutput).RootElement.GetProperty("approval").GetProperty("status").GetString().ShouldBe("rejected");

            var local = await CliProcess.RunAsync(["approvals", "approve", second, "--data", data.Path]);
            local.ExitCode.ShouldBe(1, local.ToString());
            local.StandardError.ShouldContain("A running server owns the workflows");
            local.StandardError.ShouldContain("--url");
        }

        // The server is gone: the CLI drives the workflow itself.
        var approve = await CliProcess.RunAsync(["approvals", "approve", second, "--comment", "ok", "--user", "frank", "--json", "--data", data.Path]);
        approve.ExitCode.ShouldBe(0, approve.ToString());
        var result = JsonDocument.Parse(approve.StandardOutput).RootElement;
        result.GetProperty("approval").GetProperty("resolution").GetProperty("decidedBy").GetString().ShouldBe("frank");
        result.GetProperty("workflow").GetProperty("status").GetString().ShouldBe("completed");
        result.GetProperty("workflow").GetProperty("answer").GetString()!.ShouldContain("beforeExit");

        var again = await CliProcess.RunAsync(["approvals", "reject", second, "--data", data.Path]);
        again.ExitCode.ShouldBe(1, again.ToString());
        again.StandardError.ShouldContain($"Approval {second} was already approved by frank");

        var show = await CliProcess.RunAsync(["approvals", "show", first, "--data", data.Path]);
        show.ExitCode.ShouldBe(0, show.ToString());
        show.StandardOutput.ShouldContain($"rejected by {erin}");
        show.StandardOutput.ShouldContain("History:");
        show.StandardOutput.ShouldContain($"{erin} rejected: not now");
        show.StandardOutput.ShouldContain("nodejs-process.md");

        var missing = await CliProcess.RunAsync(["approvals", "show", "apr_0000000000000000", "--data", data.Path]);
        missing.ExitCode.ShouldBe(4, missing.ToString());
        missing.StandardError.ShouldContain("No approval 'apr_0000000000000000' in tenant 'default'.");
        var badStatus = await CliProcess.RunAsync(["approvals", "list", "--status", "maybe", "--data", data.Path]);
        badStatus.ExitCode.ShouldBe(2, badStatus.ToString());
        badStatus.StandardError.ShouldContain("Unknown --status 'maybe': use pending, approved, rejected, expired or escalated.");
        var anyCase = await CliProcess.RunAsync(["approvals", "list", "--status", "Rejected", "--json", "--data", data.Path]);
        anyCase.ExitCode.ShouldBe(0, anyCase.ToString());
    }

    /// <summary>Posts a query with <c>"approval": "before_answer"</c> and returns its approval id once requested.</summary>
    private static async Task<string> AskGatedAsync(HttpClient http)
    {
        var ask = new HttpRequestMessage(HttpMethod.Post, "/v1/queries") { Content = JsonContent.Create(new { query = "What does the beforeExit event do in Node.js?", approval = "before_answer" }) };
        ask.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await http.SendAsync(ask, HttpCompletionOption.ResponseHeadersRead);
        var required = await SseClient.ReadUntilAsync(response, "approval.required", TimeSpan.FromMinutes(1));
        return JsonDocument.Parse(required.Data).RootElement.GetProperty("approvalId").GetString()!;
    }
}
