using AgentRag.Core;
using Microsoft.Extensions.AI;

namespace AgentRag.Agents.Tools;

/// <summary>A tool a <c>tool</c> step or the reasoning agent can call: the function, whether calling it has side effects, and where it comes from.</summary>
/// <param name="Function">The callable function (name, description, JSON schema of its arguments).</param>
/// <param name="SideEffects">True when a call changes state outside the platform: such a step needs a person's approval.</param>
/// <param name="Source"><see cref="ToolSources.BuiltIn"/> for built-in tools, else the external MCP server's name.</param>
public sealed record StepTool(AIFunction Function, bool SideEffects, string Source)
{
    /// <summary>The tool's name, as steps and models call it.</summary>
    public string Name => Function.Name;

    /// <summary>True for the platform's own tools; false for an external MCP server's.</summary>
    public bool IsBuiltIn => Source == ToolSources.BuiltIn;
}

/// <summary>
/// The tools plan steps and the reasoning agent may call, per tenant (the server adapts the MCP tool registry). Implementations are
/// thread-safe; the set may change while the process runs (external servers come and go).
/// </summary>
public interface IStepToolSource
{
    /// <summary>The tool named <paramref name="name"/> available to <paramref name="tenantId"/> now, or null.</summary>
    StepTool? Find(string tenantId, string name);

    /// <summary>Every tool available to <paramref name="tenantId"/> now, in a stable order.</summary>
    IReadOnlyList<StepTool> List(string tenantId);
}
