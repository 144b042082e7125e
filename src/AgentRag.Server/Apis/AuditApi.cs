using System.Security.Claims;
using System.Text.Json;
using AgentRag.Core.Audit;
using AgentRag.Server.Auditing;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace AgentRag.Server.Apis;

/// <summary>
/// <c>/v1/audit</c>: a tenant admin reads the tenant's audit log (filtered by time, actor and action, paged) or exports
/// it as NDJSON. <c>scope=platform</c> reads the platform scope (authentication failures, erasure tombstones) and is for
/// platform administrators only.
/// </summary>
public static class AuditApi
{
    public const int MaxPageSize = 1000;
    public const string PlatformScope = "platform";
    public const string NdjsonContentType = "application/x-ndjson";

    private static readonly ReadOnlyMemory<byte> Newline = "\n"u8.ToArray();

    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/audit").WithTags("Audit").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Admin);
        api.MapGet("/", ListAsync).WithName("ListAuditEntries").WithSummary("The tenant's audit log, filtered, one page at a time.").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden);
        api.MapGet("/export", ExportAsync).WithName("ExportAuditLog").WithSummary("The tenant's audit log as NDJSON (one entry a line).").Produces(StatusCodes.Status200OK, contentType: NdjsonContentType)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .Audited(AuditActions.AuditExport);
        return api;
    }

    /// <summary>The filter of both routes (query string).</summary>
    public sealed record AuditFilter(
        [property: FromQuery(Name = "from")] string? From,
        [property: FromQuery(Name = "to")] string? To,
        [property: FromQuery(Name = "actor")] string? Actor,
        [property: FromQuery(Name = "action")] string? Action,
        [property: FromQuery(Name = "scope")] string? Scope,
        [property: FromQuery(Name = "after")] long? After,
        [property: FromQuery(Name = "limit")] int? Limit);

    /// <summary>One page, oldest first; pass <see cref="Next"/> as <c>after</c> for the next page (null on the last).</summary>
    public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, long? Next);

    internal static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> ListAsync(
        TenantId tenant, ClaimsPrincipal user, IAuditLog log, [AsParameters] AuditFilter filter, CancellationToken cancellationToken)
    {
        var (query, problem) = Parse(tenant, user, filter, filter.Limit ?? 100);
        if (problem is not null)
        {
            return problem;
        }

        var entries = await log.QueryAsync(query!, cancellationToken);
        return TypedResults.Ok(new AuditPage(entries, entries.Count == query!.Limit ? entries[^1].Id : null));
    }

    internal static Results<PushStreamHttpResult, ProblemHttpResult> ExportAsync(
        TenantId tenant, ClaimsPrincipal user, IAuditLog log, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, [AsParameters] AuditFilter filter,
        CancellationToken cancellationToken)
    {
        var (query, problem) = Parse(tenant, user, filter, MaxPageSize);
        if (problem is not null)
        {
            return problem;
        }

        return TypedResults.Stream(
            stream => WriteNdjsonAsync(log, query!, stream, json.Value.SerializerOptions, cancellationToken),
            NdjsonContentType);
    }

    /// <summary>Writes every entry matching <paramref name="query"/> (all pages) to <paramref name="stream"/>, one JSON object a line.</summary>
    public static async Task<int> WriteNdjsonAsync(IAuditLog log, AuditQuery query, Stream stream, JsonSerializerOptions options, CancellationToken cancellationToken)
    {
        var count = 0;
        var page = query with { Limit = MaxPageSize };
        while (true)
        {
            var entries = await log.QueryAsync(page, cancellationToken);
            foreach (var entry in entries)
            {
                await JsonSerializer.SerializeAsync(stream, entry, options, cancellationToken);
                await stream.WriteAsync(Newline, cancellationToken);
                count++;
            }

            if (entries.Count < page.Limit)
            {
                return count;
            }

            page = page with { AfterId = entries[^1].Id };
        }
    }

    private static (AuditQuery? Query, ProblemHttpResult? Problem) Parse(TenantId tenant, ClaimsPrincipal user, AuditFilter filter, int limit)
    {
        if (!TimeParameter.TryParse(filter.From, out var from) || !TimeParameter.TryParse(filter.To, out var to))
        {
            return (null, Invalid($"'from' and 'to' must be ISO 8601 dates or times (e.g. 2025-03-01T12:00:00Z); got from='{filter.From}', to='{filter.To}'."));
        }

        if (limit is < 1 or > MaxPageSize)
        {
            return (null, Invalid($"'limit' must be between 1 and {MaxPageSize}; got {limit}."));
        }

        if (filter.After is < 0)
        {
            return (null, Invalid($"'after' must be an entry id (0 or more); got {filter.After}."));
        }

        string? scope = tenant.Value;
        if (!string.IsNullOrEmpty(filter.Scope))
        {
            if (filter.Scope != PlatformScope)
            {
                return (null, Invalid($"'scope' may only be '{PlatformScope}'; got '{filter.Scope}'."));
            }

            if (!AgentRagClaims.IsPlatformAdmin(user))
            {
                return (null, TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                    detail: "Only a platform administrator may read the platform audit scope."));
            }

            scope = null;
        }

        return (new AuditQuery(scope, from, to, NullIfEmpty(filter.Actor), NullIfEmpty(filter.Action), filter.After ?? 0, limit), null);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static ProblemHttpResult Invalid(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid audit filter", detail: detail);
}
