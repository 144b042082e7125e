using System.ComponentModel;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentRag.Core.Monitoring;
using AgentRag.Core.Serialization;
using AgentRag.Core.Storage;
using AgentRag.Hosting.Retention;
using AgentRag.Monitoring.Jobs;
using AgentRag.Server.Dashboard;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using AgentRag.Server.Streaming;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace AgentRag.Server.Apis;

/// <summary>
/// <c>/v1/admin</c>: what the console's admin dashboard reads (tenant administrators). The live figures come as one
/// server-sent event stream (a snapshot every <see cref="DashboardOptions.SnapshotInterval"/>); costs, latency
/// percentiles and storage growth are read from the monitoring agent's aggregates (rollups), not from raw rows.
/// </summary>
public static class DashboardApi
{
    /// <summary>The SSE event type of a live snapshot.</summary>
    public const string SnapshotEvent = "snapshot";

    /// <summary>The widest latency range one request reads.</summary>
    public static readonly TimeSpan MaxLatencyRange = TimeSpan.FromDays(31);

    /// <summary>The most days of storage growth one request returns.</summary>
    public const int MaxStorageDays = 366;

    public static RouteGroupBuilder MapDashboardApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/admin").WithTags("Dashboard").AddEndpointFilter<TenantEndpointFilter>().RequireAuthorization(AuthPolicies.Admin);
        api.MapGet("/metrics/stream", StreamMetrics).WithName("StreamAdminMetrics")
            .WithSummary("The tenant's live figures (requests/s, agent invocations/s, latency, time to first token, tokens per agent, active users) as server-sent snapshots.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        api.MapGet("/costs", GetCostsAsync).WithName("GetAdminCosts")
            .WithSummary("The tenant's spend for a month from the usage rollups: per day, week and month, chat vs embeddings, per model, agent, query and document, and a month-end forecast.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/latency", GetLatencyAsync).WithName("GetAdminLatency")
            .WithSummary("The tenant's stored latency percentiles (p50/p95/p99 per 15-minute window) of queries, time to first token and steps by agent.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/storage", GetStorageAsync).WithName("GetAdminStorage")
            .WithSummary("The tenant's storage: the last measured bytes by kind, and the growth of its documents' originals per day.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return api;
    }

    internal static ServerSentEventsResult<string> StreamMetrics(TenantId tenant, LiveMetrics live, IOptions<DashboardOptions> options, TimeProvider time) =>
        ServerSentEvents.Write(SnapshotsAsync(tenant.Value, live, options.Value.SnapshotInterval, time));

    /// <summary>A snapshot at once, then one per interval until the client goes; each with a rising <c>id</c>.</summary>
    private static async IAsyncEnumerable<SseItem<string>> SnapshotsAsync(
        string tenant, LiveMetrics live, TimeSpan interval, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var timer = new PeriodicTimer(interval, time);
        var sent = 0L;
        do
        {
            sent++;
            yield return new SseItem<string>(JsonSerializer.Serialize(live.Snapshot(tenant), AgentRagJson.Options), SnapshotEvent)
            {
                EventId = sent.ToString(CultureInfo.InvariantCulture),
            };
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    /// <summary>The query string of <c>GET /v1/admin/costs</c>.</summary>
    public sealed record CostFilter(
        [property: FromQuery(Name = "month"), Description("The month (yyyy-MM, UTC; default the current one).")] string? Month = null);

    internal static async Task<Results<Ok<CostSummaries.CostSummary>, ProblemHttpResult>> GetCostsAsync(
        TenantId tenant, CostSummaries costs, TimeProvider time, [AsParameters] CostFilter filter, CancellationToken cancellationToken)
    {
        DateOnly? month = null;
        if (!string.IsNullOrWhiteSpace(filter.Month))
        {
            if (!DateOnly.TryParseExact(filter.Month.Trim() + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first))
            {
                return JsonBody.Invalid($"'month' must be a month as yyyy-MM (e.g. 2026-03); got '{filter.Month}'.");
            }

            var now = time.GetUtcNow();
            if (first > DateOnly.FromDateTime(now.UtcDateTime))
            {
                return JsonBody.Invalid($"'month' ({filter.Month}) has not begun: the current month is {now:yyyy-MM}.");
            }

            month = first;
        }

        return TypedResults.Ok(await costs.BuildAsync(tenant.Value, month, cancellationToken));
    }

    /// <summary>The query string of <c>GET /v1/admin/latency</c>.</summary>
    public sealed record LatencyFilter(
        [property: FromQuery(Name = "from"), Description("Windows starting at or after this time (ISO 8601; default 24 hours before 'to').")] string? From = null,
        [property: FromQuery(Name = "to"), Description("Windows starting before this time (ISO 8601; default now). At most 31 days after 'from'.")] string? To = null);

    public sealed record LatencyResponse(DateTimeOffset From, DateTimeOffset To, TimeSpan Window, IReadOnlyList<LatencyPercentiles> Windows);

    internal static async Task<Results<Ok<LatencyResponse>, ProblemHttpResult>> GetLatencyAsync(
        TenantId tenant, IMonitoringStore monitoring, TimeProvider time, [AsParameters] LatencyFilter filter, CancellationToken cancellationToken)
    {
        if (!TimeParameter.TryParse(filter.From, out var fromTime) || !TimeParameter.TryParse(filter.To, out var toTime))
        {
            return JsonBody.Invalid($"'from' and 'to' must be ISO 8601 dates or times (e.g. 2025-03-01 or 2025-03-01T12:00:00Z); got from='{filter.From}', to='{filter.To}'.");
        }

        var to = toTime ?? time.GetUtcNow();
        var from = fromTime ?? to.AddDays(-1);
        if (from >= to)
        {
            return JsonBody.Invalid($"'from' ({from:O}) must be before 'to' ({to:O}).");
        }

        if (to - from > MaxLatencyRange)
        {
            return JsonBody.Invalid($"The range from 'from' ({from:O}) to 'to' ({to:O}) may span at most {MaxLatencyRange.TotalDays} days.");
        }

        var windows = await monitoring.ReadPercentilesAsync(tenant.Value, from, to, cancellationToken);
        return TypedResults.Ok(new LatencyResponse(from, to, MonitoringWindows.PercentileWindow,
            [.. windows.OrderBy(w => w.WindowStart).ThenBy(w => w.Metric, StringComparer.Ordinal).ThenBy(w => w.Scope, StringComparer.Ordinal)]));
    }

    /// <summary>The query string of <c>GET /v1/admin/storage</c>.</summary>
    public sealed record StorageFilter(
        [property: FromQuery(Name = "days"), Description("Days of growth to return, ending today (1–366, default 90).")] int? Days = null);

    /// <summary>Bytes of one kind (originals, indexes), as the last retention run measured them.</summary>
    public sealed record MeasuredBytes(string Kind, long Bytes);

    /// <summary>At the end of <see cref="Day"/> (UTC): the documents the tenant holds now that had been uploaded, and their originals' bytes.</summary>
    public sealed record StorageDay(DateOnly Day, long Documents, long OriginalBytes);

    /// <summary>
    /// The tenant's storage: <see cref="Measured"/> is the data folder's bytes per kind as of the last retention run (empty
    /// before one); <see cref="Growth"/> is cumulative, per day, over the documents the tenant holds now (a deleted
    /// document leaves the curve).
    /// </summary>
    public sealed record StorageResponse(string Tenant, long Documents, long OriginalBytes, IReadOnlyList<MeasuredBytes> Measured, IReadOnlyList<StorageDay> Growth);

    internal static async Task<Results<Ok<StorageResponse>, ProblemHttpResult>> GetStorageAsync(
        TenantId tenant, IDocumentStore documents, TimeProvider time, [AsParameters] StorageFilter filter, CancellationToken cancellationToken)
    {
        var days = filter.Days ?? 90;
        if (days is < 1 or > MaxStorageDays)
        {
            return JsonBody.Invalid($"'days' must be between 1 and {MaxStorageDays}; got {days}.");
        }

        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var first = today.AddDays(1 - days);
        var perDay = new SortedDictionary<DateOnly, (long Documents, long Bytes)>();
        long before = 0, beforeBytes = 0, total = 0, totalBytes = 0;
        await foreach (var document in TenantDocuments.AllAsync(documents, tenant.Value, cancellationToken: cancellationToken))
        {
            total++;
            totalBytes += document.SizeBytes;
            var day = DateOnly.FromDateTime(document.CreatedAt.UtcDateTime);
            if (day < first)
            {
                before++;
                beforeBytes += document.SizeBytes;
            }
            else if (day <= today)
            {
                var (count, bytes) = perDay.GetValueOrDefault(day);
                perDay[day] = (count + 1, bytes + document.SizeBytes);
            }
        }

        var growth = new List<StorageDay>(days);
        for (var day = first; day <= today; day = day.AddDays(1))
        {
            var (count, bytes) = perDay.GetValueOrDefault(day);
            before += count;
            beforeBytes += bytes;
            growth.Add(new StorageDay(day, before, beforeBytes));
        }

        var measured = StorageUsageMetrics.Latest.Where(u => u.TenantId == tenant.Value).Select(u => new MeasuredBytes(u.Kind, u.Bytes)).ToList();
        return TypedResults.Ok(new StorageResponse(tenant.Value, total, totalBytes, measured, growth));
    }
}
