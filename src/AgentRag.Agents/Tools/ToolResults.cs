using System.Text.Json;
using AgentRag.Core.Serialization;

namespace AgentRag.Agents.Tools;

/// <summary>How tool results and failures read as text, for steps, the model and the event stream. Thread-safe.</summary>
public static class ToolResults
{
    /// <summary>A tool's return value as text: strings as they are, JSON as JSON, anything else serialized.</summary>
    public static string ToText(object? result) => result switch
    {
        null => "",
        string s => s,
        JsonElement element => element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText(),
        _ => JsonSerializer.Serialize(result, AgentRagJson.Options),
    };

    /// <summary>A failed call's description. Tools throw with messages meant for callers (MCP errors, argument checks).</summary>
    public static string DescribeFailure(string tool, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var message = exception.Message.TrimEnd('.');
        return message.Contains($"'{tool}'", StringComparison.Ordinal) ? $"{message}." : $"The tool '{tool}' failed: {message}.";
    }
}
