using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace AgentRag.Models.Prompts;

/// <summary>
/// Every agent's prompt versions, loaded and validated once (at startup). Picks a version per workflow for A/B tests:
/// each version serves a share of workflows proportional to its weight, and a workflow id always gets the same version
/// (a SHA-256 of agent and workflow id, so the choice is stable across processes and restarts). When every version of an
/// agent has weight 0, the newest version serves all workflows. Immutable and thread-safe.
/// </summary>
public sealed class PromptCatalog
{
    private readonly Dictionary<string, List<PromptTemplate>> _byAgent;

    /// <summary>Loads the prompts; throws <see cref="PromptException"/> naming every invalid file.</summary>
    public PromptCatalog(IOptions<PromptOptions> options)
        : this(PromptLoader.Load(options.Value))
    {
    }

    internal PromptCatalog(IReadOnlyList<PromptTemplate> prompts)
    {
        _byAgent = prompts
            .GroupBy(p => p.Id, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.OrderBy(p => p.Version, VersionComparer.Instance).ToList(), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Agents with at least one prompt, in name order.</summary>
    public IReadOnlyList<string> Agents => _byAgent.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>An agent's versions, oldest first (v2 before v10). Empty for an unknown agent.</summary>
    public IReadOnlyList<PromptTemplate> Versions(string agent) => _byAgent.TryGetValue(agent, out var versions) ? versions : [];

    /// <summary>One version. Throws <see cref="PromptException"/> naming the versions that exist.</summary>
    public PromptTemplate Get(string agent, string version) =>
        Versions(agent).FirstOrDefault(p => p.Version.Equals(version, StringComparison.OrdinalIgnoreCase))
        ?? throw new PromptException(Versions(agent).Count == 0
            ? $"No prompt for agent '{agent}'. Known agents: {string.Join(", ", Agents)}."
            : $"No version '{version}' of prompt '{agent}'. Versions: {string.Join(", ", Versions(agent).Select(p => p.Version))}.");

    /// <summary>The version that serves <paramref name="workflowId"/> (deterministic). Throws <see cref="PromptException"/> for an unknown agent.</summary>
    public PromptTemplate Select(string agent, string workflowId)
    {
        ArgumentNullException.ThrowIfNull(workflowId);
        var versions = Versions(agent);
        if (versions.Count == 0)
        {
            throw new PromptException($"No prompt for agent '{agent}'. Known agents: {string.Join(", ", Agents)}.");
        }

        var total = versions.Sum(p => (long)p.Weight);
        if (total == 0)
        {
            return versions[^1];
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(agent.ToLowerInvariant() + "\n" + workflowId));
        var point = (long)(BitConverter.ToUInt64(hash, 0) % (ulong)total);
        foreach (var version in versions)
        {
            point -= version.Weight;
            if (point < 0)
            {
                return version;
            }
        }

        return versions[^1];
    }

    /// <summary>Orders versions like <c>v1 &lt; v2 &lt; v10</c>: by the number they contain, then by text.</summary>
    private sealed class VersionComparer : IComparer<string>
    {
        public static readonly VersionComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var byNumber = Number(x).CompareTo(Number(y));
            return byNumber != 0 ? byNumber : string.CompareOrdinal(x, y);
        }

        private static long Number(string? version)
        {
            var digits = new string((version ?? "").Where(char.IsAsciiDigit).ToArray());
            return digits.Length is > 0 and < 18 ? long.Parse(digits, System.Globalization.CultureInfo.InvariantCulture) : 0;
        }
    }
}
