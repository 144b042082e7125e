using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using AgentRag.Core.Monitoring;
using AgentRag.Core.Serialization;
using AgentRag.Core.Usage;

namespace AgentRag.Monitoring.Jobs;

/// <summary>
/// Builds a tenant's daily cost report from the usage rollups (not the raw rows, which retention prunes): spend by model
/// and by agent, the previous day for comparison, the month so far and a month-end forecast (the month's mean daily spend
/// so far, times the days in the month). Thread-safe.
/// </summary>
public sealed class CostReporter(IMonitoringStore store, TimeProvider time)
{
    /// <summary>The sums of one group of a report (a model, an agent, or the whole day).</summary>
    public sealed record CostLine(string Name, long Calls, long FailedCalls, long InputTokens, long OutputTokens, long CachedTokens, decimal CostUsd)
    {
        public long TotalTokens => InputTokens + OutputTokens;
    }

    /// <summary>The JSON form of a report.</summary>
    public sealed record CostReportData(
        string TenantId, DateOnly Day, CostLine Totals, IReadOnlyList<CostLine> ByModel, IReadOnlyList<CostLine> ByAgent, decimal PreviousDayCostUsd,
        double? ChangePercent, decimal MonthToDateCostUsd, decimal MonthEndForecastUsd, DateTimeOffset GeneratedAt);

    /// <summary>The report of <paramref name="tenantId"/>'s UTC day <paramref name="day"/> (the day must be rolled up).</summary>
    public async Task<CostReport> BuildAsync(string tenantId, DateOnly day, CancellationToken cancellationToken = default)
    {
        var start = MonitoringJobs.Start(day);
        var monthStart = MonitoringJobs.Start(new DateOnly(day.Year, day.Month, 1));
        var from = monthStart < start.AddDays(-1) ? monthStart : start.AddDays(-1);
        var rollups = await store.ReadRollupsAsync(tenantId, from, start.AddDays(1), cancellationToken);
        var today = rollups.Where(r => r.BucketStart >= start).ToList();
        var previous = rollups.Where(r => r.BucketStart >= start.AddDays(-1) && r.BucketStart < start).Sum(r => r.CostNanoUsd);
        var monthToDate = rollups.Where(r => r.BucketStart >= monthStart).Sum(r => r.CostNanoUsd);
        var daysInMonth = DateTime.DaysInMonth(day.Year, day.Month);
        var forecast = monthToDate * daysInMonth / (decimal)day.Day;
        var totals = Line("total", today);
        var data = new CostReportData(
            tenantId, day, totals,
            today.GroupBy(r => r.Model).Select(g => Line(g.Key, g)).OrderByDescending(l => l.CostUsd).ThenBy(l => l.Name, StringComparer.Ordinal).ToList(),
            today.GroupBy(r => r.Agent).Select(g => Line(g.Key.Length == 0 ? "(none)" : g.Key, g)).OrderByDescending(l => l.CostUsd).ThenBy(l => l.Name, StringComparer.Ordinal).ToList(),
            NanoUsd.ToUsd(previous),
            previous == 0 ? null : Math.Round((double)((totals.CostUsd - NanoUsd.ToUsd(previous)) / NanoUsd.ToUsd(previous) * 100), 1),
            NanoUsd.ToUsd(monthToDate),
            decimal.Round(forecast / 1_000_000_000m, 6),
            time.GetUtcNow());
        return new CostReport(tenantId, day, JsonSerializer.Serialize(data, AgentRagJson.Options), Text(data), Html(data), data.GeneratedAt);
    }

    internal static CostLine Line(string name, IEnumerable<UsageRollup> rollups)
    {
        var list = rollups.ToList();
        return new CostLine(name, list.Sum(r => r.Calls), list.Sum(r => r.FailedCalls), list.Sum(r => r.InputTokens), list.Sum(r => r.OutputTokens),
            list.Sum(r => r.CachedTokens), NanoUsd.ToUsd(list.Sum(r => r.CostNanoUsd)));
    }

    private static string Usd(decimal usd) => usd.ToString("$0.00####", CultureInfo.InvariantCulture);

    private static string Change(CostReportData d) =>
        d.ChangePercent is { } change ? string.Create(CultureInfo.InvariantCulture, $"{change:+0.0;-0.0;0.0}% vs {Usd(d.PreviousDayCostUsd)} the day before") : "no spend the day before";

    private static string Text(CostReportData d)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"AgentRag cost report for tenant {d.TenantId}, {d.Day:yyyy-MM-dd} (UTC)");
        text.AppendLine();
        text.AppendLine(inv, $"Spend: {Usd(d.Totals.CostUsd)} over {d.Totals.Calls} model calls ({d.Totals.FailedCalls} failed), {d.Totals.TotalTokens} tokens; {Change(d)}.");
        text.AppendLine(inv, $"Month to date: {Usd(d.MonthToDateCostUsd)}; month-end forecast: {Usd(d.MonthEndForecastUsd)}.");
        foreach (var (title, lines) in new[] { ("By model", d.ByModel), ("By agent", d.ByAgent) })
        {
            text.AppendLine();
            text.AppendLine(title);
            foreach (var line in lines)
            {
                text.AppendLine(inv, $"  {line.Name,-32} {Usd(line.CostUsd),14} {line.Calls,8} calls {line.TotalTokens,12} tokens");
            }
        }

        return text.ToString();
    }

    private static string Html(CostReportData d)
    {
        var html = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        string E(string s) => WebUtility.HtmlEncode(s);
        html.Append(inv, $"<html><body><h1>Cost report: {E(d.TenantId)}, {d.Day:yyyy-MM-dd} (UTC)</h1>");
        html.Append(inv, $"<p>Spend: <b>{Usd(d.Totals.CostUsd)}</b> over {d.Totals.Calls} model calls ({d.Totals.FailedCalls} failed), {d.Totals.TotalTokens} tokens; {E(Change(d))}.</p>");
        html.Append(inv, $"<p>Month to date: {Usd(d.MonthToDateCostUsd)}; month-end forecast: <b>{Usd(d.MonthEndForecastUsd)}</b>.</p>");
        foreach (var (title, lines) in new[] { ("By model", d.ByModel), ("By agent", d.ByAgent) })
        {
            html.Append(inv, $"<h2>{title}</h2><table><tr><th>Name</th><th>Cost</th><th>Calls</th><th>Tokens</th></tr>");
            foreach (var line in lines)
            {
                html.Append(inv, $"<tr><td>{E(line.Name)}</td><td>{Usd(line.CostUsd)}</td><td>{line.Calls}</td><td>{line.TotalTokens}</td></tr>");
            }

            html.Append("</table>");
        }

        return html.Append("</body></html>").ToString();
    }
}
