using AgentRag.Agents.Tools;
using AgentRag.Mcp.Registry;
using AgentRag.Mcp.Tools;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Hosting;

/// <summary>The MCP tool registry as the source of <c>tool</c> steps' tools, with each tool's side-effects flag.</summary>
/// <remarks>
/// The registry is resolved on first use, not injected: it is built from the built-in tools, whose <c>ask</c> tool runs
/// workflows, and the workflow actors own the <c>tool</c> agent that uses this source; injecting it would be a cycle.
/// </remarks>
internal sealed class ToolRegistryStepTools(IServiceProvider services) : IStepToolSource
{
    private readonly Lazy<ToolRegistry> _registry = new(services.GetRequiredService<ToolRegistry>);

    public StepTool? Find(string tenantId, string name) =>
        _registry.Value.FindTool(tenantId, name) is { } tool ? ToStepTool(tool) : null;

    public IReadOnlyList<StepTool> List(string tenantId) => [.. _registry.Value.GetTools(tenantId).Select(ToStepTool)];

    private static StepTool ToStepTool(AgentTool tool) => new(tool, tool.SideEffects, tool.Source);
}
