using System.Text.RegularExpressions;
using AgentRag.Agents.Tools;
using AgentRag.Core;

namespace AgentRag.Agents.Planning;

/// <summary>
/// The planner's tool rule: a query that names an external tool, by its catalog name (<c>server__tool</c>), its own
/// name, or its own name with '_' read as a space, as whole words and ignoring case, needs that tool. Built-in tools are
/// never matched by name (every knowledge question "searches"; the model planner sees them all). Thread-safe.
/// </summary>
public static class ToolMentions
{
    public const string Rule = "tools:names-a-tool";

    /// <summary>The external tools of <paramref name="tools"/> that <paramref name="query"/> names, in catalog order.</summary>
    public static IReadOnlyList<StepTool> Named(string query, IEnumerable<StepTool> tools)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(tools);
        return [.. tools.Where(t => !t.IsBuiltIn && NamesOf(t.Name).Any(name => Mentions(query, name)))];
    }

    private static IEnumerable<string> NamesOf(string catalogName)
    {
        yield return catalogName;
        var separator = catalogName.IndexOf(ToolSources.ExternalNameSeparator, StringComparison.Ordinal);
        var own = separator >= 0 ? catalogName[(separator + ToolSources.ExternalNameSeparator.Length)..] : catalogName;
        yield return own;
        yield return own.Replace('_', ' ');
    }

    // Names of 1–2 characters would match ordinary words too often to mean the tool.
    private static bool Mentions(string query, string name) =>
        name.Length > 2
        && Regex.IsMatch(query, $@"(?<!\w){Regex.Escape(name)}(?!\w)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}
