using System.ComponentModel;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentRag.Mcp.Tests;

/// <summary>
/// An external MCP server for the registry tests, built with the same SDK: the test assembly run as
/// <c>dotnet AgentRag.Mcp.Tests.dll mcp-test-server &lt;pid file&gt;</c> serves <c>echo</c>, <c>hang</c>,
/// <c>write_note</c> and <c>secret_tool</c> over stdio, and writes its process id to the pid file so a test can
/// kill it as a crash would.
/// </summary>
public static class TestMcpServer
{
    public const string Verb = "mcp-test-server";

    public static string AssemblyPath { get; } = typeof(TestMcpServer).Assembly.Location;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length < 2 || args[0] != Verb)
        {
            await Console.Error.WriteLineAsync($"usage: dotnet AgentRag.Mcp.Tests.dll {Verb} <pid file>");
            return 2;
        }

        await File.WriteAllTextAsync(args[1], Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var options = new McpServerOptions
        {
            ServerInfo = new Implementation { Name = "test-tools", Version = "1.0.0" },
            ToolCollection =
            [
                McpServerTool.Create(Echo, new McpServerToolCreateOptions { Name = "echo", ReadOnly = true }),
                McpServerTool.Create(HangAsync, new McpServerToolCreateOptions { Name = "hang", ReadOnly = true }),
                McpServerTool.Create(WriteNote, new McpServerToolCreateOptions { Name = "write_note" }),
                McpServerTool.Create(Secret, new McpServerToolCreateOptions { Name = "secret_tool" }),
            ],
        };
        await using var transport = new StdioServerTransport(options, NullLoggerFactory.Instance);
        await using var server = McpServer.Create(transport, options, NullLoggerFactory.Instance);
        await server.RunAsync();
        return 0;
    }

    [Description("Repeats a message back, prefixed with 'echo: '.")]
    private static string Echo([Description("The text to repeat.")] string message) => $"echo: {message}";

    [Description("Never answers until cancelled: simulates a stuck tool.")]
    private static async Task<string> HangAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return "unreachable";
    }

    [Description("Stores a note (a side effect).")]
    private static string WriteNote([Description("The note.")] string text) => $"noted {text.Length} characters";

    [Description("A tool the registry's allow-list leaves out.")]
    private static string Secret() => "secret";
}
