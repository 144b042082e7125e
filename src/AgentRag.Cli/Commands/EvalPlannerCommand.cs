using System.CommandLine;
using System.Globalization;
using AgentRag.Agents.Planning;
using AgentRag.Agents.Planning.Evaluation;

namespace AgentRag.Cli.Commands;

/// <summary>
/// <c>agentrag eval planner [--set FILE] [--model] [--min-accuracy X] [--json]</c>: plans every query of the planner
/// evaluation set (the built-in <c>eval/planner.jsonl</c> by default) and reports how many plans have the expected
/// shape, overall and per query class, with the misses. Exit code 0, or 1 when the accuracy is below <c>--min-accuracy</c>.
/// </summary>
internal static class EvalPlannerCommand
{
    public static Command Create()
    {
        var set = new Option<string?>("--set") { Description = "A JSON-lines evaluation set (default: the built-in eval/planner.jsonl)." };
        var model = new Option<bool>("--model") { Description = "Plan with the configured chat model (falls back to the rules when it has none)." };
        var minimum = new Option<double>("--min-accuracy") { Description = "Fail (exit 1) below this shape accuracy (0–1).", DefaultValueFactory = _ => 0 };
        var command = new Command("planner", "Measure the planner's accuracy on labelled queries.") { set, model, minimum };
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            IReadOnlyList<PlannerCase> cases;
            try
            {
                cases = parseResult.GetValue(set) is { } path ? PlannerEvaluation.Load(path) : PlannerEvaluation.LoadBuiltIn();
            }
            catch (Exception ex) when (ex is FileNotFoundException or FormatException)
            {
                throw new CliException(ex.Message, ExitCodes.Usage);
            }

            var report = await PlannerEvaluation.EvaluateAsync(host.Get<IQueryPlanner>(), cases, parseResult.GetValue(model), cancellationToken);
            if (host.Json)
            {
                JsonOutput.WriteLine(new
                {
                    report.Cases,
                    report.ShapeAccuracy,
                    report.ClassAccuracy,
                    byClass = report.ByClass.ToDictionary(c => c.Key.ToString(), c => c.Value),
                    misses = report.Misses.Select(m => new { m.Case.Query, expectedClass = m.Case.Class, expectedShape = m.Case.Shape, actualClass = m.ActualClass, actualShape = m.ActualShape, m.Rule }),
                });
            }
            else
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Planner accuracy: {report.ShapeAccuracy:P1} of {report.Cases} plans have the expected shape (classes {report.ClassAccuracy:P1})."));
                foreach (var (queryClass, score) in report.ByClass)
                {
                    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {queryClass,-15} {score.ShapeCorrect,3}/{score.Cases,-3} {score.Accuracy:P0}"));
                }

                foreach (var miss in report.Misses)
                {
                    Console.Out.WriteLine($"  miss: \"{miss.Case.Query}\" expected {miss.Case.Shape}, got {miss.ActualShape} ({miss.Rule})");
                }
            }

            return report.ShapeAccuracy + 1e-9 >= parseResult.GetValue(minimum) ? ExitCodes.Success : ExitCodes.Failure;
        }, HostFolder.ScratchUnlessDataGiven);
        return command;
    }
}
