using System.CommandLine;
using AgentRag.Mcp.Server;

namespace AgentRag.Cli.Commands;

/// <summary>
/// <c>agentrag mcp [--data DIR] [--tenant T]</c>: serves the knowledge base to an MCP client (Claude Desktop, an IDE,
/// another agent) over standard input and output. Standard output carries only MCP messages; logs go to standard error.
/// The server runs until the client closes standard input.
/// </summary>
internal static class McpCommand
{
    public static Command Create()
    {
        var command = new Command("mcp", "Serve the knowledge base's tools and documents over MCP (stdio) for Claude Desktop, IDEs and other agents.");
        command.SetHostedAction(async (host, _, cancellationToken) =>
        {
            await host.Get<AgentRagMcpServerFactory>().RunStdioAsync(host.TenantId, cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }
}
