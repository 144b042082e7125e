using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgentRag.Core;
using AgentRag.Mcp.Registry;
using AgentRag.Mcp.Tools;
using AgentRag.TestKit;
using Microsoft.Extensions.AI;

namespace AgentRag.Mcp.Tests;

/// <summary>
/// The agents' tool registry with an external stdio MCP server (<see cref="TestMcpServer"/>): allow-list, schemas, side
/// effects, calls, timeouts, and a crash with restart. The clock is manual, so no test waits for a backoff or timeout.
/// </summary>
public sealed class ToolRegistryTests : IAsyncLifetime
{
    private readonly TempDirectory _folder = new("agentrag-registry");
    private RegistryHarness _harness = null!;

    private string PidFile => _folder.Combine("server.pid");

    public Task InitializeAsync()
    {
        _harness = new RegistryHarness(_folder.Combine("data"), RegistryHarness.TestServerSettings("tools", PidFile));
        _harness.Registry.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task GetCatalog_AllowListedStdioServer_BuiltInsPlusAllowedToolsWithSchemasAndSideEffects()
    {
        var catalog = await _harness.WaitForCatalogAsync(c => c.Any(t => t.Source == "tools"), "listed the external tools");

        catalog.Where(t => t.Source == AgentTool.BuiltInSource).Select(t => t.Name)
            .ShouldBe(["search", "keyword_search", "list_documents", "get_document", "get_chunk", "calculator"], ignoreOrder: true);
        catalog.Where(t => t.Source == AgentTool.BuiltInSource).ShouldAllBe(t => !t.SideEffects);
        var external = catalog.Where(t => t.Source == "tools").ToDictionary(t => t.Name);
        external.Keys.ShouldBe(["tools__echo", "tools__hang", "tools__write_note"], ignoreOrder: true);
        external["tools__echo"].SideEffects.ShouldBeFalse();
        external["tools__write_note"].SideEffects.ShouldBeTrue();
        external["tools__echo"].Description.ShouldBe("Repeats a message back, prefixed with 'echo: '.");
        var echoSchema = external["tools__echo"].InputSchema;
        echoSchema.GetProperty("properties").GetProperty("message").GetProperty("type").GetString().ShouldBe("string");
        echoSchema.GetProperty("required").EnumerateArray().Select(r => r.GetString()).ShouldBe(["message"]);

        var status = _harness.Registry.GetServerStatus().Single();
        status.State.ShouldBe(ExternalServerState.Up);
        status.Transport.ShouldBe("stdio");
    }

    [Fact]
    public async Task GetTools_ExternalTool_IsAnAIFunctionThatCallsTheServer()
    {
        await _harness.WaitForCatalogAsync(c => c.Any(t => t.Name == "tools__echo"), "listed echo");
        AIFunction echo = _harness.Registry.FindTool(Tenancy.DefaultTenant, "tools__echo")!;

        var result = await echo.InvokeAsync(new AIFunctionArguments { ["message"] = "hello from the registry" });

        result.ShouldBe("echo: hello from the registry");
        echo.JsonSchema.GetProperty("type").GetString().ShouldBe("object");
    }

    [Fact]
    public async Task GetTools_BuiltInSearch_RunsForTheTenantAndAskIsNotOffered()
    {
        await _harness.WaitForCatalogAsync(c => c.Count > 0, "had tools");
        var search = _harness.Registry.FindTool(Tenancy.DefaultTenant, "search")!;

        var result = (SearchToolResult)(await search.InvokeAsync(new AIFunctionArguments { ["query"] = "anything at all" }))!;

        result.Hits.ShouldBeEmpty(); // the data folder is empty
        _harness.Registry.FindTool(Tenancy.DefaultTenant, "ask").ShouldBeNull();
    }

    [Fact]
    public async Task Invoke_HangingTool_IsCutOffByItsTimeoutWithAClearErrorAndTheServerStaysUsable()
    {
        await _harness.WaitForCatalogAsync(c => c.Any(t => t.Name == "tools__hang"), "listed hang");
        var hang = _harness.Registry.FindTool(Tenancy.DefaultTenant, "tools__hang")!;

        var call = hang.InvokeAsync(new AIFunctionArguments()).AsTask();
        var advanced = await _harness.Time.AdvanceToNextTimerAsync(TimeSpan.FromSeconds(10));
        var error = await Should.ThrowAsync<ToolException>(call);

        advanced.ShouldBe(TimeSpan.FromSeconds(5));
        error.Kind.ShouldBe(ToolErrorKind.Timeout);
        error.Message.ShouldBe("The tool 'tools__hang' did not answer within 5 s and was cancelled (timeout: AgentRag:Mcp:Servers:tools:Tools:hang:Timeout).");
        var echo = _harness.Registry.FindTool(Tenancy.DefaultTenant, "tools__echo")!;
        (await echo.InvokeAsync(new AIFunctionArguments { ["message"] = "still here" })).ShouldBe("echo: still here");
    }

    [Fact]
    public async Task ServerKilled_ToolsLeaveTheCatalogThenReturnAfterTheBackoffRestart()
    {
        await _harness.WaitForCatalogAsync(c => c.Any(t => t.Name == "tools__echo"), "listed echo");
        var echo = _harness.Registry.FindTool(Tenancy.DefaultTenant, "tools__echo")!;
        var firstPid = int.Parse(await File.ReadAllTextAsync(PidFile), CultureInfo.InvariantCulture);

        using (var process = Process.GetProcessById(firstPid))
        {
            process.Kill();
        }

        var down = await _harness.WaitForCatalogAsync(c => c.All(t => t.Source != "tools"), "dropped the killed server's tools");
        down.Select(t => t.Name).ShouldContain("search");
        var status = _harness.Registry.GetServerStatus().Single();
        status.State.ShouldBe(ExternalServerState.Down);
        status.LastError!.ShouldContain("exited");
        var unavailable = await Should.ThrowAsync<ToolException>(async () => await echo.InvokeAsync(new AIFunctionArguments { ["message"] = "x" }));
        unavailable.Kind.ShouldBe(ToolErrorKind.Unavailable);
        unavailable.Message.ShouldStartWith("The MCP server 'tools' is down");

        (await _harness.Time.AdvanceToNextTimerAsync(TimeSpan.FromSeconds(5))).ShouldBe(TimeSpan.FromSeconds(1));
        await _harness.WaitForCatalogAsync(c => c.Any(t => t.Name == "tools__echo"), "restored the restarted server's tools");

        var secondPid = int.Parse(await File.ReadAllTextAsync(PidFile), CultureInfo.InvariantCulture);
        secondPid.ShouldNotBe(firstPid);
        _harness.Registry.GetServerStatus().Single().Restarts.ShouldBe(1);
        var restored = _harness.Registry.FindTool(Tenancy.DefaultTenant, "tools__echo")!;
        (await restored.InvokeAsync(new AIFunctionArguments { ["message"] = "back" })).ShouldBe("echo: back");
    }
}

/// <summary>A server that cannot start: the registry keeps the built-ins, reports why, and retries with growing backoff.</summary>
public sealed class ToolRegistryUnreachableServerTests
{
    [Fact]
    public async Task Start_CommandDoesNotExist_DownWithTheReasonAndRetriesWithDoublingBackoff()
    {
        using var folder = new TempDirectory("agentrag-registry");
        await using var harness = new RegistryHarness(folder.Combine("data"), new Dictionary<string, string?>
        {
            ["AgentRag:Mcp:Servers:ghost:Command"] = folder.Combine("no-such-server"),
            ["AgentRag:Mcp:Servers:ghost:Tools:anything:SideEffects"] = "false",
        });
        harness.Registry.Start();

        (await harness.Time.AdvanceToNextTimerAsync(TimeSpan.FromSeconds(5))).ShouldBe(TimeSpan.FromSeconds(1));
        (await harness.Time.AdvanceToNextTimerAsync(TimeSpan.FromSeconds(5))).ShouldBe(TimeSpan.FromSeconds(2));
        (await harness.Time.AdvanceToNextTimerAsync(TimeSpan.FromSeconds(5))).ShouldBe(TimeSpan.FromSeconds(4));
        // The next backoff is armed once the third attempt has failed and been counted.
        (await harness.Time.AdvanceToNextTimerAsync(TimeSpan.FromSeconds(10))).ShouldBe(TimeSpan.FromSeconds(8));

        var status = harness.Registry.GetServerStatus().Single();
        status.State.ShouldBeOneOf(ExternalServerState.Down, ExternalServerState.Connecting);
        status.LastError.ShouldNotBeNullOrEmpty();
        status.Restarts.ShouldBeGreaterThanOrEqualTo(3);
        harness.Registry.GetCatalog(Tenancy.DefaultTenant).ShouldAllBe(t => t.Source == AgentTool.BuiltInSource);
    }
}
