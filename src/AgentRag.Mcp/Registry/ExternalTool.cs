using System.Text.Json;
using AgentRag.Core;
using AgentRag.Mcp.Tools;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Protocol;

namespace AgentRag.Mcp.Registry;

/// <summary>
/// An allow-listed tool of an external MCP server, named <c>&lt;server&gt;__&lt;tool&gt;</c> so tools of different
/// servers never collide. A call goes to the server's current connection and is cancelled after <see cref="Timeout"/>.
/// Throws <see cref="ToolException"/>: <see cref="ToolErrorKind.Timeout"/> when cut off,
/// <see cref="ToolErrorKind.Unavailable"/> when the server is down, <see cref="ToolErrorKind.Failed"/> when the tool
/// reports an error (its own message is passed on).
/// </summary>
public sealed class ExternalTool : AgentTool
{
    /// <summary>Separates the server name from the server's tool name in <see cref="AIFunctionDeclaration.Name"/>.</summary>
    public const string Separator = ToolSources.ExternalNameSeparator;

    private readonly ExternalMcpServer _server;

    internal ExternalTool(ExternalMcpServer server, Tool tool, ExternalToolOptions options, TimeSpan timeout)
    {
        _server = server;
        ServerToolName = tool.Name;
        Name = server.Name + Separator + tool.Name;
        Description = string.IsNullOrWhiteSpace(tool.Description) ? $"The '{tool.Name}' tool of the '{server.Name}' MCP server." : tool.Description;
        JsonSchema = tool.InputSchema;
        SideEffects = options.SideEffects;
        Timeout = timeout;
    }

    public override string Name { get; }

    public override string Description { get; }

    public override JsonElement JsonSchema { get; }

    public override bool SideEffects { get; }

    public override string Source => _server.Name;

    /// <summary>The tool's name on its server.</summary>
    public string ServerToolName { get; }

    /// <summary>How long one call may take.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Returns the tool's structured content when it has one, else its text content joined by newlines.</summary>
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        var result = await _server.CallToolAsync(this, arguments.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), cancellationToken);
        var text = string.Join("\n", result.Content.OfType<TextContentBlock>().Select(c => c.Text));
        if (result.IsError == true)
        {
            throw new ToolException(
                $"The tool '{Name}' reported an error: {(text.Length > 0 ? text : "no message")}", ToolErrorKind.Failed);
        }

        return result.StructuredContent is { } structured ? structured : text;
    }
}
