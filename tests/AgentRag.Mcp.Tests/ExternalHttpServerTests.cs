using System.Text.Json;
using AgentRag.Core;
using AgentRag.Mcp.Tools;
using AgentRag.TestKit;
using Microsoft.Extensions.AI;

namespace AgentRag.Mcp.Tests;

/// <summary>
/// An external MCP server over streamable HTTP: a real <c>agentrag serve</c> child process, whose <c>/mcp</c> the
/// registry reaches with configured headers. Killed, it leaves the catalog at the next failed ping; restarted, it
/// comes back after the backoff.
/// </summary>
public sealed class ExternalHttpServerTests(McpCorpus corpus) : IClassFixture<McpCorpus>
{
    [Fact]
    public async Task HttpServer_CallsWithHeaders_DropsWhenKilled_ReturnsWhenRestarted()
    {
        using var data = corpus.CopyData();
        using var folder = new TempDirectory("agentrag-registry");
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        await using var harness = new RegistryHarness(folder.Combine("data"), new Dictionary<string, string?>
        {
            ["AgentRag:Mcp:Servers:library:Url"] = url + "/mcp",
            ["AgentRag:Mcp:Servers:library:Headers:X-Tenant-ID"] = McpCorpus.OtherTenant,
            ["AgentRag:Mcp:Servers:library:Tools:search:SideEffects"] = "false",
            ["AgentRag:Mcp:Servers:library:Tools:list_documents:SideEffects"] = "false",
        });

        AgentTool? searchBeforeKill;
        await using (var server = await StartServeAsync(data.Path, url))
        {
            harness.Registry.Start();
            await harness.WaitForCatalogAsync(c => c.Any(t => t.Name == "library__search"), "listed the HTTP server's tools");
            harness.Registry.GetCatalog(Tenancy.DefaultTenant).Where(t => t.Source == "library").Select(t => t.Name)
                .ShouldBe(["library__list_documents", "library__search"]);

            var list = (JsonElement)(await harness.Registry.FindTool(Tenancy.DefaultTenant, "library__list_documents")!.InvokeAsync(new AIFunctionArguments()))!;
            list.GetProperty("documents").EnumerateArray().Select(d => d.GetProperty("fileName").GetString()).ShouldBe(["nodejs-url.md"]);

            searchBeforeKill = harness.Registry.FindTool(Tenancy.DefaultTenant, "library__search");
            server.Kill();
        }

        // The next health check finds the server gone.
        (await harness.Time.AdvanceToNextTimerAsync(TimeSpan.FromSeconds(31))).ShouldBe(TimeSpan.FromSeconds(30));
        await harness.WaitForCatalogAsync(c => c.All(t => t.Source != "library"), "dropped the dead HTTP server's tools");
        harness.Registry.GetServerStatus().Single().LastError!.ShouldContain("ping");
        var down = await Should.ThrowAsync<ToolException>(async () => await searchBeforeKill!.InvokeAsync(new AIFunctionArguments { ["query"] = "url" }));
        down.Kind.ShouldBe(ToolErrorKind.Unavailable);

        await using (await StartServeAsync(data.Path, url))
        {
            (await harness.Time.AdvanceToNextTimerAsync(TimeSpan.FromSeconds(5))).ShouldBe(TimeSpan.FromSeconds(1));
            await harness.WaitForCatalogAsync(c => c.Any(t => t.Name == "library__search"), "restored the HTTP server's tools");
            var search = (JsonElement)(await harness.Registry.FindTool(Tenancy.DefaultTenant, "library__search")!
                .InvokeAsync(new AIFunctionArguments { ["query"] = "url port", ["k"] = 3 }))!;
            search.GetProperty("hits").EnumerateArray().ShouldAllBe(h => h.GetProperty("documentName").GetString() == "nodejs-url.md");
            search.GetProperty("hits").GetArrayLength().ShouldBeGreaterThan(0);
        }
    }

    private static async Task<CliProcess> StartServeAsync(string dataPath, string url)
    {
        var server = CliProcess.Start(["serve", "--urls", url, "--data", dataPath, "--log-format", "text", "--log-level", "Information"]);
        await server.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        return server;
    }
}
