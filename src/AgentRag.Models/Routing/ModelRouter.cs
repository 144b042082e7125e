using System.Text.RegularExpressions;
using AgentRag.Models.Configuration;

namespace AgentRag.Models.Routing;

/// <summary>What the router knows about a request.</summary>
/// <param name="Query">The user's question.</param>
/// <param name="PlanSteps">Steps in the workflow's plan, when planned already (0 when unknown).</param>
/// <param name="RequestedModel">
/// An explicit choice from the request (<c>model</c> in the query): a profile name (<c>cheap</c>, <c>primary</c>, …) or a
/// configured profile's model id. Overrides the classifier.
/// </param>
public sealed record RoutingRequest(string Query, int PlanSteps = 0, string? RequestedModel = null);

/// <summary>The router's choice: the profile to call and why (recorded in the workflow and in usage).</summary>
public sealed record RoutingDecision(string Profile, bool IsComplex, string Reason, bool Overridden, IReadOnlyList<string> Signals);

/// <summary>
/// Routes simple queries to the <c>cheap</c> profile and the others to <c>primary</c>, with a rule-based complexity
/// classifier: long queries, comparison and multi-hop markers, several questions in one, and large plans are complex.
/// Without a <c>cheap</c> profile everything goes to <c>primary</c>. Deterministic and thread-safe.
/// </summary>
public sealed partial class ModelRouter(ModelCatalog catalog)
{
    /// <summary>Queries longer than this many words are complex.</summary>
    public const int LongQueryWords = 25;

    /// <summary>Plans with at least this many steps are complex.</summary>
    public const int LargePlanSteps = 3;

    /// <summary>
    /// Decides the profile. Throws <see cref="ModelUnavailableException"/> when <see cref="RoutingRequest.RequestedModel"/>
    /// names neither a configured profile nor a configured profile's model.
    /// </summary>
    public RoutingDecision Route(RoutingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var signals = Classify(request);
        var complex = signals.Count > 0;
        if (!string.IsNullOrWhiteSpace(request.RequestedModel))
        {
            var requested = request.RequestedModel.Trim();
            var profile = catalog.TryGet(requested, out var byName)
                ? byName
                : catalog.Profiles.FirstOrDefault(p => p.Model.Equals(requested, StringComparison.OrdinalIgnoreCase) && p.Name != ModelProfileNames.Embedding)
                  ?? throw new ModelUnavailableException(requested,
                      $"The requested model '{requested}' is not configured: use a profile name ({string.Join(", ", catalog.Profiles.Where(p => p.Name != ModelProfileNames.Embedding).Select(p => p.Name))}) or one of their model ids.");
            return new RoutingDecision(profile.Name, complex, $"requested model '{requested}'", Overridden: true, signals);
        }

        if (!catalog.IsConfigured(ModelProfileNames.Cheap))
        {
            return new RoutingDecision(ModelProfileNames.Primary, complex,
                complex ? $"complex ({string.Join(", ", signals)})" : "simple, but no cheap profile is configured", Overridden: false, signals);
        }

        return complex
            ? new RoutingDecision(ModelProfileNames.Primary, true, $"complex ({string.Join(", ", signals)})", false, signals)
            : new RoutingDecision(ModelProfileNames.Cheap, false, "simple (short single question, no comparison or multi-hop markers)", false, signals);
    }

    /// <summary>The complexity signals found in a request; none means simple.</summary>
    public static IReadOnlyList<string> Classify(RoutingRequest request)
    {
        var signals = new List<string>();
        var query = request.Query ?? "";
        var words = WordPattern().Count(query);
        if (words > LongQueryWords)
        {
            signals.Add($"long query ({words} words)");
        }

        if (ComparisonPattern().Match(query) is { Success: true } comparison)
        {
            signals.Add($"comparison marker '{comparison.Value.Trim().ToLowerInvariant()}'");
        }

        if (MultiHopPattern().Match(query) is { Success: true } multiHop)
        {
            signals.Add($"multi-hop marker '{multiHop.Value.Trim().ToLowerInvariant()}'");
        }

        var questions = query.Count(c => c == '?');
        if (questions > 1)
        {
            signals.Add($"{questions} questions");
        }

        if (request.PlanSteps >= LargePlanSteps)
        {
            signals.Add($"plan of {request.PlanSteps} steps");
        }

        return signals;
    }

    [GeneratedRegex(@"\b\w[\w'-]*\b")]
    private static partial Regex WordPattern();

    [GeneratedRegex(@"\b(compare[sd]?|comparing|comparison|versus|vs\.?|difference(s)? between|differ(s)? from|better than|worse than|pros and cons|similarit(y|ies) between|contrast)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ComparisonPattern();

    [GeneratedRegex(@"\b(and then|after that|both|each of|for each|which of the|relationship between|how does .+ affect|why .+ and how|step[- ]by[- ]step|as well as|in combination with|based on the .+ of)\b", RegexOptions.IgnoreCase)]
    private static partial Regex MultiHopPattern();
}
