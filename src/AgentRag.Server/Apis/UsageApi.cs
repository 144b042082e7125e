using System.ComponentModel;
using System.Security.Claims;
using AgentRag.Core;
using AgentRag.Core.Serialization;
using AgentRag.Core.Usage;
using AgentRag.Models.Caching;
using AgentRag.Retrieval.Search;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AgentRag.Server.Apis;

/// <summary><c>GET /v1/usage?from&amp;to&amp;groupBy&amp;tenant</c>: model usage aggregates and cache hit rates.</summary>
public static class UsageApi
{
    /// <summary>The <c>tenant</c> value that asks for every tenant's usage.</summary>
    public const string AllTenants = "*";

    public static RouteGroupBuilder MapUsageApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/usage").WithTags("Usage").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Admin).WithEnumParameters();
        api.MapGet("/", GetAsync).WithName("GetUsage").WithSummary("The tenant's model usage and cost, grouped.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden);
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

    /// <summary>The query string of <c>GET /v1/usage</c>.</summary>
    public sealed record UsageFilter(
        [property: FromQuery(Name = "from"), Description("Only calls at or after this time (ISO 8601, UTC unless it names an offset).")] string? From,
        [property: FromQuery(Name = "to"), Description("Only calls before this time (ISO 8601).")] string? To,
        [property: FromQuery(Name = "groupBy"), Description("What to sum by (default: model).")] EnumParameter<UsageGroupBy>? GroupBy = null,
        [property: FromQuery(Name = "tenant"), Description("Another tenant's usage, or * for every tenant's (platform administrators only).")] string? Tenant = null);

    public sealed record UsageResponse(
        string GroupBy, string? Tenant, DateTimeOffset? From, DateTimeOffset? To, IReadOnlyList<UsageGroupResponse> Groups, UsageSums Totals,
        IReadOnlyList<CacheHitRate> Caches);

    internal static async Task<Results<Ok<UsageResponse>, ProblemHttpResult>> GetAsync(
        TenantId tenant, ClaimsPrincipal user, IUsageStore store, ModelCaches caches, SearchResultCache searchCache, [AsParameters] UsageFilter filter,
        CancellationToken cancellationToken)
    {
        var grouping = filter.GroupBy?.Value ?? UsageGroupBy.Model;
        var tenantFilter = filter.Tenant;
        if (!TimeParameter.TryParse(filter.From, out var fromTime) || !TimeParameter.TryParse(filter.To, out var toTime))
        {
            return Problem("Invalid time", $"'from' and 'to' must be ISO 8601 dates or times (e.g. 2025-03-01 or 2025-03-01T12:00:00Z); got from='{filter.From}', to='{filter.To}'.");
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
            EnumNames.Of(grouping),
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
