using System.Globalization;
using AgentRag.Core.Storage;
using AgentRag.Server.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AgentRag.Server.Limits;

/// <summary>
/// The tenant quotas (documents, stored bytes, queries per UTC day on the injected clock): what each allows and uses,
/// and the refusal of a request that would exceed one, before any work is done. A refusal is a ProblemDetails whose
/// <c>quota</c>, <c>limit</c>, <c>used</c> and <c>setting</c> members name the quota. Thread-safe.
/// </summary>
public sealed class TenantQuotas(ITenantQuotaStore store, IOptions<LimitsOptions> options, TimeProvider time)
{
    public const string Documents = "documents";
    public const string StoredBytes = "stored_bytes";
    public const string QueriesPerDay = "queries_per_day";

    /// <summary>Every quota of <paramref name="tenantId"/> with its use.</summary>
    public async Task<IReadOnlyList<QuotaUse>> GetAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var limits = options.Value.For(tenantId);
        var storage = await store.GetStorageUseAsync(tenantId, cancellationToken);
        var queries = await store.GetQueriesAsync(tenantId, Today(), cancellationToken);
        return
        [
            Use(tenantId, Documents, limits.MaxDocuments, storage.Documents),
            Use(tenantId, StoredBytes, limits.MaxStoredBytes, storage.Bytes),
            Use(tenantId, QueriesPerDay, limits.MaxQueriesPerDay, queries),
        ];
    }

    /// <summary>
    /// Refuses (403) adding <paramref name="documents"/> documents of <paramref name="bytes"/> bytes when the tenant's
    /// documents or stored bytes would exceed their quota; null when they fit.
    /// </summary>
    public async Task<ProblemHttpResult?> CheckStorageAsync(string tenantId, long documents, long bytes, CancellationToken cancellationToken = default)
    {
        var limits = options.Value.For(tenantId);
        var use = await store.GetStorageUseAsync(tenantId, cancellationToken);
        if (use.Documents + documents > limits.MaxDocuments)
        {
            return Refuse(StatusCodes.Status403Forbidden, Use(tenantId, Documents, limits.MaxDocuments, use.Documents),
                $"the tenant holds {use.Documents:N0} of its {limits.MaxDocuments:N0} documents, so {Plural(documents, "more document")} would exceed it");
        }

        if (use.Bytes + bytes > limits.MaxStoredBytes)
        {
            return Refuse(StatusCodes.Status403Forbidden, Use(tenantId, StoredBytes, limits.MaxStoredBytes, use.Bytes),
                $"the tenant stores {use.Bytes:N0} of its {limits.MaxStoredBytes:N0} bytes, so {Plural(bytes, "more byte")} would exceed it");
        }

        return null;
    }

    /// <summary>Counts one query of the tenant today, or refuses it (429, <c>Retry-After</c> at the next UTC midnight) when the day's quota is used up.</summary>
    public async Task<ProblemHttpResult?> CountQueryAsync(HttpContext httpContext, string tenantId, CancellationToken cancellationToken = default)
    {
        var limit = options.Value.For(tenantId).MaxQueriesPerDay;
        var (counted, used) = await store.TryCountQueryAsync(tenantId, Today(), limit, cancellationToken);
        if (counted)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var midnight = new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
        httpContext.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling((midnight - now).TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return Refuse(StatusCodes.Status429TooManyRequests, Use(tenantId, QueriesPerDay, limit, used),
            $"the tenant made {used:N0} of its {limit:N0} queries today (UTC)");
    }

    private DateOnly Today() => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);

    private QuotaUse Use(string tenantId, string quota, long limit, long used) =>
        new(quota, limit, used, options.Value.SettingFor(tenantId, quota switch
        {
            Documents => nameof(LimitsOptions.MaxDocuments),
            StoredBytes => nameof(LimitsOptions.MaxStoredBytes),
            _ => nameof(LimitsOptions.MaxQueriesPerDay),
        }));

    private static ProblemHttpResult Refuse(int status, QuotaUse quota, string why) =>
        TypedResults.Problem(
            statusCode: status,
            title: "Quota exceeded",
            detail: $"The {quota.Quota} quota is exceeded: {why} ({quota.Setting}).",
            extensions: new Dictionary<string, object?>
            {
                ["quota"] = quota.Quota,
                ["limit"] = quota.Limit,
                ["used"] = quota.Used,
                ["setting"] = quota.Setting,
            });

    private static string Plural(long count, string noun) => count == 1 ? $"1 {noun}" : $"{count:N0} {noun}s";
}

/// <summary>One quota of a tenant: its name, limit, use and the setting that sets it.</summary>
public sealed record QuotaUse(string Quota, long Limit, long Used, string Setting);

/// <summary>
/// Counts each request of a query endpoint against the tenant's queries-per-day quota before the handler runs, and
/// refuses it when the quota is used up. Runs after <see cref="TenantEndpointFilter"/>.
/// </summary>
public sealed class QueryQuotaFilter(TenantQuotas quotas) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var httpContext = context.HttpContext;
        return await quotas.CountQueryAsync(httpContext, TenantEndpointFilter.Resolve(httpContext), httpContext.RequestAborted) is { } refusal
            ? refusal
            : await next(context);
    }
}

/// <summary>
/// Refuses an upload before its body is read when the tenant's documents are at their quota or its stored bytes plus
/// the request's <c>Content-Length</c> would exceed theirs. The upload handler checks the exact count and sizes again
/// once the files are staged.
/// </summary>
public sealed class UploadQuotaFilter(TenantQuotas quotas) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var httpContext = context.HttpContext;
        return await quotas.CheckStorageAsync(TenantEndpointFilter.Resolve(httpContext), 1, httpContext.Request.ContentLength ?? 0, httpContext.RequestAborted) is { } refusal
            ? refusal
            : await next(context);
    }
}
