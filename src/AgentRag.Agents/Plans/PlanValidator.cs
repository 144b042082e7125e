namespace AgentRag.Agents.Plans;

/// <summary>
/// Checks a plan before it runs: step ids, unknown agents, unknown or self references, cycles, an entry step,
/// inputs against each agent's <see cref="InputSchema"/>, and policies. Every problem is reported, each in a
/// sentence naming the step. Thread-safe.
/// </summary>
public sealed class PlanValidator(AgentCatalog catalog)
{
    /// <summary>Most steps a plan may have.</summary>
    public const int MaxSteps = 32;

    /// <summary>The problems of <paramref name="plan"/>; empty when it can run.</summary>
    public IReadOnlyList<string> Validate(Plan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var errors = new List<string>();
        if (plan.Steps.Count == 0)
        {
            errors.Add("The plan has no steps.");
            return errors;
        }

        if (plan.Steps.Count > MaxSteps)
        {
            errors.Add($"The plan has {plan.Steps.Count} steps; at most {MaxSteps} are allowed.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var step in plan.Steps)
        {
            if (!IsValidStepId(step.Id))
            {
                errors.Add($"Step id '{step.Id}' is invalid: use 1–64 letters, digits, '-' or '_'.");
            }
            else if (!ids.Add(step.Id))
            {
                errors.Add($"Step id '{step.Id}' is used by more than one step.");
            }
        }

        foreach (var step in plan.Steps)
        {
            if (!catalog.TryGet(step.Agent, out var agent))
            {
                errors.Add($"Step '{step.Id}': unknown agent '{step.Agent}' (known: {string.Join(", ", catalog.Descriptors.Select(d => d.Name))}).");
            }
            else
            {
                errors.AddRange(agent.Descriptor.Inputs.Validate(step.Id, step.Inputs));
            }

            foreach (var dependency in step.DependsOn)
            {
                if (dependency == step.Id)
                {
                    errors.Add($"Step '{step.Id}' depends on itself.");
                }
                else if (!ids.Contains(dependency))
                {
                    errors.Add($"Step '{step.Id}' depends on unknown step '{dependency}'.");
                }
            }

            if (step.DependsOn.Distinct(StringComparer.Ordinal).Count() != step.DependsOn.Count)
            {
                errors.Add($"Step '{step.Id}' lists a dependency more than once.");
            }

            if (step.Policy.TimeoutMs is < 1 or > StepPolicy.MaxTimeoutMs)
            {
                errors.Add($"Step '{step.Id}': timeoutMs is {step.Policy.TimeoutMs}; it must be between 1 and {StepPolicy.MaxTimeoutMs}.");
            }
        }

        if (!plan.Steps.Any(s => s.DependsOn.Count == 0))
        {
            errors.Add("The plan has no entry step: every step depends on another one.");
        }

        if (FindCycle(plan) is { } cycle)
        {
            errors.Add($"The plan has a cycle: {string.Join(" → ", cycle)}.");
        }

        return errors;
    }

    /// <summary>Throws <see cref="PlanValidationException"/> listing every problem when the plan is invalid.</summary>
    public void ThrowIfInvalid(Plan plan)
    {
        var errors = Validate(plan);
        if (errors.Count > 0)
        {
            throw new PlanValidationException(errors);
        }
    }

    /// <summary>Steps in an order where every step follows its dependencies (the plan's own order breaks ties). Assumes a valid plan.</summary>
    public static IReadOnlyList<PlanStep> TopologicalOrder(Plan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var done = new HashSet<string>(StringComparer.Ordinal);
        var ordered = new List<PlanStep>(plan.Steps.Count);
        while (ordered.Count < plan.Steps.Count)
        {
            var next = plan.Steps.FirstOrDefault(s => !done.Contains(s.Id) && s.DependsOn.All(done.Contains))
                ?? throw new InvalidOperationException("The plan has a cycle; validate it first.");
            done.Add(next.Id);
            ordered.Add(next);
        }

        return ordered;
    }

    private static bool IsValidStepId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>A cycle as a path of step ids that returns to its start, or null. Unknown references are ignored here.</summary>
    private static List<string>? FindCycle(Plan plan)
    {
        var byId = plan.Steps.GroupBy(s => s.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 visiting, 2 done
        var path = new List<string>();

        List<string>? Visit(string id)
        {
            state[id] = 1;
            path.Add(id);
            foreach (var dependency in byId[id].DependsOn)
            {
                if (!byId.ContainsKey(dependency) || dependency == id)
                {
                    continue;
                }

                var mark = state.GetValueOrDefault(dependency);
                if (mark == 1)
                {
                    var start = path.IndexOf(dependency);
                    return [.. path.Skip(start), dependency];
                }

                if (mark == 0 && Visit(dependency) is { } found)
                {
                    return found;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[id] = 2;
            return null;
        }

        foreach (var id in byId.Keys)
        {
            if (state.GetValueOrDefault(id) == 0 && Visit(id) is { } cycle)
            {
                return cycle;
            }
        }

        return null;
    }
}

/// <summary>A plan failed validation; <see cref="Errors"/> lists every problem.</summary>
public sealed class PlanValidationException(IReadOnlyList<string> errors)
    : Exception($"The plan is invalid: {string.Join(" ", errors)}")
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
