using System.Text.Json;
using AgentRag.Core;
using AgentRag.Core.Serialization;
using Microsoft.Extensions.AI;

namespace AgentRag.Mcp.Tools;

/// <summary>
/// A tool an agent can call: an <see cref="AIFunction"/> (name, description, JSON schema of its arguments) that also
/// says whether it has side effects and where it comes from. Built-in tools and tools of external MCP servers share
/// this shape, so the reasoning agent and the planner treat them alike. Invocation failures the caller may act on are
/// <see cref="ToolException"/>s; implementations are thread-safe.
/// </summary>
public abstract class AgentTool : AIFunction
{
    /// <summary>The <see cref="Source"/> of the platform's own tools.</summary>
    public const string BuiltInSource = ToolSources.BuiltIn;

    /// <summary>True when a call changes state outside the platform (sends, writes, deletes): such calls need approval.</summary>
    public abstract bool SideEffects { get; }

    /// <summary><see cref="BuiltInSource"/>, or the name of the external MCP server that provides the tool.</summary>
    public abstract string Source { get; }

    public override JsonSerializerOptions JsonSerializerOptions => AgentRagJson.Options;

    /// <summary>What the planner's catalog shows of this tool.</summary>
    public ToolCapability ToCapability() => new(Name, Description, SideEffects, Source, JsonSchema);
}

/// <summary>One entry of the capability catalog the planner reads.</summary>
/// <param name="Name">The name to call the tool by.</param>
/// <param name="Description">What it does and when to use it.</param>
/// <param name="SideEffects">True when calls need approval.</param>
/// <param name="Source"><c>agentrag</c> for built-in tools, else the external server's name.</param>
/// <param name="InputSchema">The JSON schema of its arguments.</param>
public sealed record ToolCapability(string Name, string Description, bool SideEffects, string Source, JsonElement InputSchema);
