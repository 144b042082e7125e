namespace AgentRag.Agents;

/// <summary>The registered agents by name. Immutable and thread-safe.</summary>
public sealed class AgentCatalog
{
    private readonly Dictionary<string, IAgent> _agents = new(StringComparer.Ordinal);

    /// <summary>Throws <see cref="InvalidOperationException"/> when two agents share a name.</summary>
    public AgentCatalog(IEnumerable<IAgent> agents)
    {
        ArgumentNullException.ThrowIfNull(agents);
        foreach (var agent in agents)
        {
            if (!_agents.TryAdd(agent.Descriptor.Name, agent))
            {
                throw new InvalidOperationException(
                    $"Two agents are registered as '{agent.Descriptor.Name}' ({_agents[agent.Descriptor.Name].GetType().Name} and {agent.GetType().Name}).");
            }
        }
    }

    public IEnumerable<AgentDescriptor> Descriptors => _agents.Values.Select(a => a.Descriptor).OrderBy(d => d.Name, StringComparer.Ordinal);

    public bool Contains(string name) => _agents.ContainsKey(name);

    public bool TryGet(string name, out IAgent agent) => _agents.TryGetValue(name, out agent!);

    /// <summary>Throws <see cref="KeyNotFoundException"/> naming the agent when it is not registered.</summary>
    public IAgent Get(string name) =>
        _agents.TryGetValue(name, out var agent) ? agent : throw new KeyNotFoundException($"No agent is registered as '{name}'.");
}
