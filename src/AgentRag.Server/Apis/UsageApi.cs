using System.Security.Claims;
using AgentRag.Core;
using AgentRag.Core.Usage;
using AgentRag.Models.Caching;
using AgentRag.Retrieval.Search;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentRag.Server.Apis;

/// <summary><c>GET /v1/usage?from&amp;to&amp;groupBy&amp;tenant</c>: model usage aggregates and cache hit rates.</summary>
public static class UsageApi
{
    /// <summary>The <c>tenant</c> value that asks for every tenant's usage.</summary>
    public const string AllTenants = "*";

    public static RouteGroupBuilder MapUsageApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/usage").WithTags("Usage").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Admin);
        api.MapGet("/", GetAsync).WithName("GetUsage").WithSummary("The tenant's model usage and cost, grouped.");
        return api;
    }

    /// <summary>Sums over a set of model calls; token and cost sums are exact.</summary>
    public sealed record UsageSums(
        long Calls, long FailedCalls, long EstimatedCalls, long InputTokens, long OutputTokens, long CachedTokens, long TotalTokens,
        decimal CostUsd, double AverageLatencyMs)
    {
        public static UsageSums From(UsageTotals t) => new(
            t.Calls, t.FailedCalls, t.EstimatedCalls, t.InputTokens, t.OutputTokens, t.CachedTokens, t.TotalTokens, t.CostUsd, Math.Round(t.AverageLatencyMs, 1));
    }

    /// <summary>One group; <see cref="Key"/> is null for calls without the grouped attribute (e.g. no session).</summary>
    public sealed record UsageGroupResponse(string? Key, UsageSums Totals);

    public sealed record CacheHitRate(string Cache, long Hits, long Misses, double HitRate, int Entries);

    public sealed record UsageResponse(
        string GroupBy, string? Tenant, DateTimeOffset? From, DateTimeOffset? To, IReadOnlyList<UsageGroupResponse> Groups, UsageSums Totals,
        IReadOnlyList<CacheHitRate> Caches);

    internal static async Task<Results<Ok<UsageResponse>, ProblemHttpResult>> GetAsync(
        TenantId tenant, ClaimsPrincipal user, IUsageStore store, ModelCaches caches, SearchResultCache searchCache, string? from, string? to, string? groupBy, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "tenant")] string? tenantFilter,
        CancellationToken cancellationToken)
    {
        var grouping = UsageGroupBy.Model;
        if (!string.IsNullOrEmpty(groupBy) && (!Enum.TryParse(groupBy, ignoreCase: true, out grouping) || int.TryParse(groupBy, out _)))
        {
            return Problem("Invalid groupBy",
                $"Unknown groupBy '{groupBy}'. Use one of: {string.Join(", ", Enum.GetNames<UsageGroupBy>().Select(n => n.ToLowerInvariant()))}.");
        }

        if (!TimeParameter.TryParse(from, out var fromTime) || !TimeParameter.TryParse(to, out var toTime))
        {
            return Problem("Invalid time", $"'from' and 'to' must be ISO 8601 dates or times (e.g. 2025-03-01 or 2025-03-01T12:00:00Z); got from='{from}', to='{to}'.");
        }

        if (fromTime is not null && toTime is not null && fromTime >= toTime)
        {
            return Problem("Invalid time range", $"'from' ({fromTime:O}) must be before 'to' ({toTime:O}).");
        }

        // Another tenant's usage, or every tenant's ("*"), is for platform administrators only.
        string? tenantId = tenant.Value;
        if (!string.IsNullOrEmpty(tenantFilter) && tenantFilter != tenant.Value)
        {
            if (tenantFilter != AllTenants && !Tenancy.IsValidTenantId(tenantFilter))
            {
                return Problem("Invalid tenant", $"'tenant' must be '{AllTenants}' or {Tenancy.Rule}; got '{tenantFilter}'.");
            }

            if (!AgentRagClaims.IsPlatformAdmin(user))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                    detail: $"Only a platform administrator may read usage of other tenants ('tenant={tenantFilter}').");
            }

            tenantId = tenantFilter == AllTenants ? null : tenantFilter;
        }

        var report = await store.QueryAsync(new UsageQuery(tenantId, fromTime, toTime, grouping), cancellationToken);
        return TypedResults.Ok(new UsageResponse(
            grouping.ToString().ToLowerInvariant(),
            tenantId,
            fromTime,
            toTime,
            report.Groups.Select(g => new UsageGroupResponse(g.Key, UsageSums.From(g.Totals))).ToList(),
            UsageSums.From(report.Totals),
            caches.Statistics.Append(searchCache.Statistics).Select(c => new CacheHitRate(c.Cache, c.Hits, c.Misses, c.HitRate, c.Entries)).ToList()));
    }

    private static ProblemHttpResult Problem(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: title, detail: detail);
}
