using AgentRag.Core.Security;
using AgentRag.Server.Security;
using AgentRag.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Mcp.Tests;

/// <summary>
/// The platform's MCP server as a client from another ecosystem sees it: <c>tests/mcp-client/client.test.mjs</c>, on the
/// official TypeScript SDK (<c>@modelcontextprotocol/sdk</c>, pinned by the folder's lock file and installed by
/// <c>./test.sh</c>), lists the tools, resources and templates, calls every tool and reads resources, over streamable
/// HTTP against a real Kestrel server and over stdio against a spawned <c>agentrag mcp</c>.
/// </summary>
public sealed class TypeScriptSdkClientTests(McpCorpus corpus) : IClassFixture<McpCorpus>
{
    private static readonly string ClientFolder = NodeScript.Folder("mcp-client");

    [Fact]
    public async Task StreamableHttp_RequiredAuth_EveryToolAndResourceWorksForTheKeysTenantOnly()
    {
        using var data = corpus.CopyData();
        using var server = new McpCorpus.ServerFactory(data.Path, settings: new Dictionary<string, string?>
        {
            ["AgentRag:Auth:Mode"] = "Required",
            ["AgentRag:Auth:KeySecret"] = "mcp-client-key-secret-0123456789abcdef0123",
        });
        var url = server.StartOnKestrel();
        var keys = server.Services.GetRequiredService<ApiKeyService>();
        var viewer = await keys.CreateAsync("default", TenantRole.Viewer, "ts-sdk", expiresAt: null);
        var other = await keys.CreateAsync(McpCorpus.OtherTenant, TenantRole.Viewer, "ts-sdk-other", expiresAt: null);

        var output = await NodeScript.RunAsync(
            ClientFolder,
            new Dictionary<string, string>
            {
                ["AGENTRAG_URL"] = url.ToString(),
                ["AGENTRAG_KEY"] = viewer.Key,
                ["AGENTRAG_OTHER_KEY"] = other.Key,
            },
            ["client.test.mjs", "http"]);

        output.ShouldContain("every check passed over http");
    }

    [Fact]
    public async Task Stdio_AgentragMcpSpawnedByTheSdk_EveryToolAndResourceWorks()
    {
        var output = await NodeScript.RunAsync(
            ClientFolder,
            new Dictionary<string, string> { ["AGENTRAG_CLI"] = CliProcess.CliAssemblyPath, ["AGENTRAG_DATA"] = corpus.DataPath },
            ["client.test.mjs", "stdio"]);

        output.ShouldContain("every check passed over stdio");
    }
}
