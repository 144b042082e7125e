using System.CommandLine;
using AgentRag.Hosting.Benchmarks;

namespace AgentRag.Cli.Commands;

/// <summary>
/// <c>agentrag bench retention [--days 30] [--workflows-per-day 1000] [--retention-days 7]</c>: the storage-growth
/// simulation (<see cref="RetentionSimulation"/>) in a throwaway folder: the database size after each simulated day's
/// cleanup, and day 30 against day 10. Exit code 1 when the last day is more than 10% over the tenth.
/// </summary>
internal static class BenchRetentionCommand
{
    public static Command Create()
    {
        var days = new Option<int>("--days") { Description = "Simulated days.", DefaultValueFactory = _ => 30 };
        var perDay = new Option<int>("--workflows-per-day") { Description = "Finished workflows per simulated day (each with its events, usage and audit rows).", DefaultValueFactory = _ => 1_000 };
        var retention = new Option<int>("--retention-days") { Description = "Retention of workflows, usage and audit in the simulation.", DefaultValueFactory = _ => 7 };
        var command = new Command("retention", "Storage growth under retention: database size per simulated day at a steady rate.") { days, perDay, retention };
        command.SetGuardedAction(async (parseResult, cancellationToken) =>
        {
            var settings = new RetentionSimulationSettings
            {
                Days = parseResult.GetValue(days), WorkflowsPerDay = parseResult.GetValue(perDay), RetentionDays = parseResult.GetValue(retention),
            };
            if (settings.Days is < 11 or > 365 || settings.WorkflowsPerDay is < 1 or > 1_000_000 || settings.RetentionDays is < 1 or > 9)
            {
                throw new CliException("--days must be 11–365, --workflows-per-day 1–1000000 and --retention-days 1–9 (shorter than the 10 days measured against).", ExitCodes.Usage);
            }

            using var scratch = new BenchCommand.ScratchFolder(parseResult.GetValue(CommonOptions.Data));
            var started = System.Diagnostics.Stopwatch.StartNew();
            var result = await RetentionSimulation.RunAsync(
                Path.Combine(scratch.Path, "retention-bench"), settings, new StandardErrorProgress("agentrag bench retention"), cancellationToken);
            var last = result.Days[^1];
            var ratio = (double)last.DatabaseBytes / result.BytesAt(10);
            var report = new
            {
                settings.Days, settings.WorkflowsPerDay, settings.EventsPerWorkflow, settings.RetentionDays,
                day10Bytes = result.BytesAt(10), lastDayBytes = last.DatabaseBytes, lastOverDay10 = Math.Round(ratio, 3),
                maxBytes = result.Days.Max(d => d.DatabaseBytes), seconds = Math.Round(started.Elapsed.TotalSeconds, 1),
                perDay = result.Days.Select(d => new { d.Day, d.DatabaseBytes, d.RowsDeleted, d.BytesReclaimed }),
                processorCount = Environment.ProcessorCount,
            };
            JsonOutput.WriteReport(report, parseResult.GetValue(CommonOptions.Json));

            return Math.Abs(ratio - 1) <= 0.10 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }
}
