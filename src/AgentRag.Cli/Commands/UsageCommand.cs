using System.CommandLine;
using System.Globalization;
using AgentRag.Core.Usage;
using AgentRag.Models.Caching;
using AgentRag.Retrieval.Search;
using Spectre.Console;

namespace AgentRag.Cli.Commands;

/// <summary>
/// <c>agentrag usage [--group-by agent|model|tenant|day|session|profile|prompt|workflow] [--from] [--to] [--all-tenants] [--limit]</c>:
/// model usage rows (newest first), or their aggregates when grouped.
/// </summary>
internal static class UsageCommand
{
    /// <summary>One usage row in <c>--json</c> output.</summary>
    internal sealed record UsageRow(
        string Id, DateTimeOffset Timestamp, string TenantId, string? UserId, string? SessionId, string? WorkflowId, string? StepId,
        string? Agent, string Profile, string Model, string Operation, string? PromptId, string? PromptVersion, long InputTokens,
        long OutputTokens, long CachedTokens, bool Estimated, double LatencyMs, decimal CostUsd, string Outcome, string? Error,
        string? RoutingReason);

    /// <summary>Sums over a set of calls in <c>--json</c> output.</summary>
    internal sealed record UsageSums(
        long Calls, long FailedCalls, long EstimatedCalls, long InputTokens, long OutputTokens, long CachedTokens, long TotalTokens,
        decimal CostUsd, double AverageLatencyMs);

    public static Command Create()
    {
        var groupBy = EnumOption.Create<UsageGroupBy>("--group-by", "Aggregate by this attribute of the calls.");
        var from = new Option<string?>("--from") { Description = "Only calls at or after this UTC time (e.g. 2025-03-01 or 2025-03-01T12:00:00Z)." };
        var to = new Option<string?>("--to") { Description = "Only calls before this UTC time." };
        var allTenants = new Option<bool>("--all-tenants") { Description = "Every tenant's usage, not only --tenant's." };
        var limit = new Option<int>("--limit") { Description = "Most rows to list when not grouping.", DefaultValueFactory = _ => 100 };
        var command = new Command("usage", "Show model usage: tokens, cost, latency and outcome per call, or grouped.") { groupBy, from, to, allTenants, limit };
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            var store = host.Get<IUsageStore>();
            var tenant = parseResult.GetValue(allTenants) ? null : host.TenantId;
            var fromTime = ParseTime(parseResult.GetValue(from), "--from");
            var toTime = ParseTime(parseResult.GetValue(to), "--to");
            if (fromTime is not null && toTime is not null && fromTime >= toTime)
            {
                throw new CliException($"--from ({fromTime:O}) must be before --to ({toTime:O}).", ExitCodes.Usage);
            }

            if (parseResult.GetValue(groupBy) is { } grouping)
            {
                var report = await store.QueryAsync(new UsageQuery(tenant, fromTime, toTime, grouping), cancellationToken);
                var caches = host.Get<ModelCaches>().Statistics.Append(host.Get<SearchResultCache>().Statistics);
                if (host.Json)
                {
                    JsonOutput.WriteLine(new
                    {
                        groupBy = grouping.ToString().ToLowerInvariant(),
                        tenant,
                        from = fromTime,
                        to = toTime,
                        groups = report.Groups.Select(g => new { key = g.Key, totals = Sums(g.Totals) }),
                        totals = Sums(report.Totals),
                        caches = caches.Select(c => new { cache = c.Cache, hits = c.Hits, misses = c.Misses, hitRate = c.HitRate }),
                    });
                    return ExitCodes.Success;
                }

                var table = new Table().AddColumns(grouping.ToString(), "Calls", "Failed", "Estimated", "Tokens in", "Tokens out", "Cached", "Cost (USD)", "Avg latency");
                foreach (var group in report.Groups)
                {
                    AddRow(table, group.Key ?? "(none)", group.Totals);
                }

                AddRow(table, "[bold]total[/]", report.Totals, escape: false);
                AnsiConsole.Write(table);
                return ExitCodes.Success;
            }

            var rows = await store.ListAsync(new UsageListQuery(tenant, fromTime, toTime, Math.Clamp(parseResult.GetValue(limit), 1, 100_000)), cancellationToken);
            var totals = await store.QueryAsync(new UsageQuery(tenant, fromTime, toTime, UsageGroupBy.Tenant), cancellationToken);
            if (host.Json)
            {
                JsonOutput.WriteLine(new { rows = rows.Select(ToRow), totals = Sums(totals.Totals) });
                return ExitCodes.Success;
            }

            var list = new Table().AddColumns("Time (UTC)", "Tenant", "Agent", "Profile", "Model", "Tokens in/out", "Cost (USD)", "Latency", "Outcome");
            foreach (var row in rows)
            {
                list.AddRow(
                    row.Timestamp.ToString("u", CultureInfo.InvariantCulture),
                    Markup.Escape(row.TenantId),
                    Markup.Escape(row.Agent ?? ""),
                    Markup.Escape(row.Profile),
                    Markup.Escape(row.Model),
                    $"{row.InputTokens.ToString(CultureInfo.InvariantCulture)}/{row.OutputTokens.ToString(CultureInfo.InvariantCulture)}{(row.Estimated ? " (est.)" : "")}",
                    row.CostUsd.ToString("0.######", CultureInfo.InvariantCulture),
                    row.Latency.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms",
                    Markup.Escape(row.Outcome.ToString().ToLowerInvariant()));
            }

            AnsiConsole.Write(list);
            Console.WriteLine($"{rows.Count} of {totals.Totals.Calls} call(s); {totals.Totals.TotalTokens} tokens; ${totals.Totals.CostUsd.ToString("0.######", CultureInfo.InvariantCulture)}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static DateTimeOffset? ParseTime(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : throw new CliException($"{option} '{text}' is not a date or time; use e.g. 2025-03-01 or 2025-03-01T12:00:00Z.", ExitCodes.Usage);
    }

    private static UsageRow ToRow(UsageRecord r) => new(
        r.Id, r.Timestamp, r.TenantId, r.UserId, r.SessionId, r.WorkflowId, r.StepId, r.Agent, r.Profile, r.Model, r.Operation, r.PromptId,
        r.PromptVersion, r.InputTokens, r.OutputTokens, r.CachedTokens, r.Estimated, Math.Round(r.Latency.TotalMilliseconds, 1), r.CostUsd,
        r.Outcome.ToString().ToLowerInvariant(), r.Error, r.RoutingReason);

    private static UsageSums Sums(UsageTotals t) => new(
        t.Calls, t.FailedCalls, t.EstimatedCalls, t.InputTokens, t.OutputTokens, t.CachedTokens, t.TotalTokens, t.CostUsd, Math.Round(t.AverageLatencyMs, 1));

    private static void AddRow(Table table, string key, UsageTotals t, bool escape = true) =>
        table.AddRow(
            escape ? Markup.Escape(key) : key,
            t.Calls.ToString(CultureInfo.InvariantCulture),
            t.FailedCalls.ToString(CultureInfo.InvariantCulture),
            t.EstimatedCalls.ToString(CultureInfo.InvariantCulture),
            t.InputTokens.ToString(CultureInfo.InvariantCulture),
            t.OutputTokens.ToString(CultureInfo.InvariantCulture),
            t.CachedTokens.ToString(CultureInfo.InvariantCulture),
            t.CostUsd.ToString("0.######", CultureInfo.InvariantCulture),
            t.AverageLatencyMs.ToString("0", CultureInfo.InvariantCulture) + " ms");
}
