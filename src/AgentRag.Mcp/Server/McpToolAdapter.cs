using System.Diagnostics;
using System.Text.Json;
using AgentRag.Core.Serialization;
using AgentRag.Mcp.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentRag.Mcp.Server;

/// <summary>
/// Serves an <see cref="AgentTool"/> over MCP. The result is returned as JSON twice, as text (for any client) and as
/// structured content. Failures become tool results with <c>isError: true</c>: a <see cref="ToolException"/> shows its
/// safe message; any other exception is logged with its details and the caller sees only a generic message with an
/// error id that matches the log, so no stack trace, path or secret leaves the server.
/// </summary>
internal sealed partial class McpToolAdapter(AgentTool tool, ILogger logger) : McpServerTool
{
    public override Tool ProtocolTool { get; } = new()
    {
        Name = tool.Name,
        Description = tool.Description,
        InputSchema = tool.JsonSchema,
        Annotations = new ToolAnnotations
        {
            ReadOnlyHint = !tool.SideEffects,
            DestructiveHint = tool.SideEffects,
            OpenWorldHint = false,
        },
    };

    public override IReadOnlyList<object> Metadata => [];

    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        var arguments = new AIFunctionArguments();
        foreach (var (name, value) in request.Params?.Arguments ?? new Dictionary<string, JsonElement>())
        {
            arguments[name] = value;
        }

        try
        {
            var result = await tool.InvokeAsync(arguments, cancellationToken);
            var json = JsonSerializer.SerializeToElement(result, AgentRagJson.Options);
            return new CallToolResult
            {
                Content = [new TextContentBlock { Text = json.GetRawText() }],
                StructuredContent = json.ValueKind == JsonValueKind.Object ? json : null,
            };
        }
        catch (ToolException ex)
        {
            return Error(ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            var errorId = Activity.Current?.TraceId.ToString() ?? Guid.NewGuid().ToString("N");
            LogToolFailed(logger, ex, tool.Name, errorId);
            return Error($"The tool '{tool.Name}' failed with an internal error (error id {errorId}); the server log has the details.");
        }
    }

    private static CallToolResult Error(string message) => new() { IsError = true, Content = [new TextContentBlock { Text = message }] };

    [LoggerMessage(Level = LogLevel.Error, Message = "MCP tool {Tool} failed (error id {ErrorId})")]
    private static partial void LogToolFailed(ILogger logger, Exception exception, string tool, string errorId);
}
