using Microsoft.Extensions.AI;

namespace AgentRag.Agents.Tools;

/// <summary>A tool a <c>tool</c> step can call: the function, whether calling it has side effects, and where it comes from.</summary>
/// <param name="Function">The callable function (name, description, JSON schema of its arguments).</param>
/// <param name="SideEffects">True when a call changes state outside the platform: such a step needs a person's approval.</param>
/// <param name="Source"><c>agentrag</c> for built-in tools, else the external MCP server's name.</param>
public sealed record StepTool(AIFunction Function, bool SideEffects, string Source);

/// <summary>
/// The tools plan steps may call, per tenant (the server adapts the MCP tool registry). Implementations are
/// thread-safe; the set may change while the process runs (external servers come and go).
/// </summary>
public interface IStepToolSource
{
    /// <summary>The tool named <paramref name="name"/> available to <paramref name="tenantId"/> now, or null.</summary>
    StepTool? Find(string tenantId, string name);
}
