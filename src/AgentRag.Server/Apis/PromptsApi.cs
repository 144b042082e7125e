using AgentRag.Core.Feedback;
using AgentRag.Core.Usage;
using AgentRag.Models.Prompts;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentRag.Server.Apis;

/// <summary><c>GET /v1/prompts</c>: every agent's prompt versions, their A/B weights, and per-version usage metrics for the caller's tenant.</summary>
public static class PromptsApi
{
    public static RouteGroupBuilder MapPromptsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/prompts").WithTags("Prompts").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Admin);
        api.MapGet("/", ListAsync).WithName("ListPrompts").WithSummary("The agent prompts in use, with their versions and answer-quality metrics.");
        return api;
    }

    /// <summary>Measured use of one prompt version: calls, latency, tokens and cost (null when it was never used).</summary>
    public sealed record PromptMetrics(long Calls, long FailedCalls, double AverageLatencyMs, long InputTokens, long OutputTokens, decimal CostUsd);

    /// <summary>
    /// Answer quality of one prompt version: the completed workflows assigned to it, the mean citation support rate of
    /// their answers (over the <paramref name="RatedWorkflows"/> that had one), and feedback: ups, downs and
    /// (ups − downs) / count (null when it was never assigned and never rated).
    /// </summary>
    public sealed record PromptQualityMetrics(
        long Workflows, long RatedWorkflows, double? CitationSupportRate, long FeedbackCount, long FeedbackUp, long FeedbackDown, double? FeedbackScore);

    /// <param name="Share">The share of workflows the version is assigned (its weight over the agent's total).</param>
    public sealed record PromptVersionResponse(
        string Version, string Profile, float? Temperature, int? MaxTokens, DateOnly Date, int Weight, double Share, IReadOnlyList<string> Placeholders,
        string Changes, string? Evaluation, PromptMetrics? Metrics, PromptQualityMetrics? Quality);

    public sealed record PromptResponse(string Id, IReadOnlyList<PromptVersionResponse> Versions);

    internal static async Task<Ok<IReadOnlyList<PromptResponse>>> ListAsync(
        TenantId tenant, PromptCatalog prompts, IUsageStore usage, IAnswerQualityStore answers, CancellationToken cancellationToken)
    {
        var quality = (await answers.QueryPromptQualityAsync(tenant.Value, cancellationToken))
            .ToDictionary(q => $"{q.PromptId}@{q.Version}", StringComparer.OrdinalIgnoreCase);
        var report = await usage.QueryAsync(new UsageQuery(tenant.Value, null, null, UsageGroupBy.Prompt), cancellationToken);
        var metrics = report.Groups.Where(g => g.Key is not null).ToDictionary(g => g.Key!, g => g.Totals, StringComparer.Ordinal);
        var result = new List<PromptResponse>();
        foreach (var agent in prompts.Agents)
        {
            var versions = prompts.Versions(agent);
            var totalWeight = versions.Sum(v => (long)v.Weight);
            result.Add(new PromptResponse(agent, versions.Select(v => new PromptVersionResponse(
                v.Version,
                v.Profile,
                v.Temperature,
                v.MaxTokens,
                v.Date,
                v.Weight,
                // With every weight at 0 the newest version serves all workflows (PromptCatalog.Select).
                totalWeight == 0 ? (ReferenceEquals(v, versions[^1]) ? 1 : 0) : (double)v.Weight / totalWeight,
                v.Placeholders,
                v.Changes,
                v.Evaluation,
                metrics.TryGetValue($"{v.Id}@{v.Version}", out var m)
                    ? new PromptMetrics(m.Calls, m.FailedCalls, Math.Round(m.AverageLatencyMs, 1), m.InputTokens, m.OutputTokens, m.CostUsd)
                    : null,
                quality.TryGetValue($"{v.Id}@{v.Version}", out var q)
                    ? new PromptQualityMetrics(q.Workflows, q.RatedWorkflows, q.CitationSupportRate is { } rate ? Math.Round(rate, 4) : null,
                        q.FeedbackCount, q.FeedbackUp, q.FeedbackDown, q.FeedbackScore is { } score ? Math.Round(score, 4) : null)
                    : null)).ToList()));
        }

        return TypedResults.Ok<IReadOnlyList<PromptResponse>>(result);
    }
}
