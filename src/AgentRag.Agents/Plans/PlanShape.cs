namespace AgentRag.Agents.Plans;

/// <summary>
/// The shape of a plan: its agents by dependency level, e.g. <c>retrieval+retrieval &gt; synthesis &gt; citation</c>
/// (agents of one level run in parallel and are sorted by name). Two plans with the same shape do the same work in the
/// same order whatever their step ids and inputs; the planner evaluation compares shapes.
/// </summary>
public static class PlanShape
{
    public static string Of(Plan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var level = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var step in PlanValidator.TopologicalOrder(plan))
        {
            level[step.Id] = step.DependsOn.Count == 0 ? 0 : step.DependsOn.Max(d => level[d]) + 1;
        }

        return string.Join(" > ", plan.Steps
            .GroupBy(s => level[s.Id])
            .OrderBy(g => g.Key)
            .Select(g => string.Join('+', g.Select(s => s.Agent).Order(StringComparer.Ordinal))));
    }

    /// <summary>Normalizes a written shape (spacing, "→" or "&gt;" between levels) for comparison.</summary>
    public static string Normalize(string shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var levels = shape.Replace("→", ">", StringComparison.Ordinal).Split('>', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return string.Join(" > ", levels.Select(l => string.Join('+',
            l.Split('+', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal))));
    }
}
