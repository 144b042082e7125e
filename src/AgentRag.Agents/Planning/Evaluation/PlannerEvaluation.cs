using System.Globalization;
using System.Text.Json;
using AgentRag.Agents.Plans;
using AgentRag.Core.Serialization;

namespace AgentRag.Agents.Planning.Evaluation;

/// <summary>One labelled query of the planner evaluation set.</summary>
/// <param name="Query">The query.</param>
/// <param name="Class">The expected <see cref="QueryClass"/> (snake_case in the file, e.g. <c>multi_hop</c>).</param>
/// <param name="Shape">The expected <see cref="PlanShape"/>, e.g. <c>retrieval+retrieval &gt; synthesis &gt; citation</c>.</param>
/// <param name="Note">Why this label, for reviewers.</param>
public sealed record PlannerCase(string Query, QueryClass Class, string Shape, string? Note = null);

/// <summary>The outcome of one case.</summary>
public sealed record PlannerCaseResult(PlannerCase Case, QueryClass ActualClass, string ActualShape, string Rule, string Planner, bool ClassCorrect, bool ShapeCorrect);

/// <summary>Accuracy of a planner on an evaluation set.</summary>
/// <param name="Cases">How many queries.</param>
/// <param name="ShapeAccuracy">Share of queries whose plan has the expected shape (the headline figure).</param>
/// <param name="ClassAccuracy">Share of queries classified as expected.</param>
/// <param name="ByClass">Per expected class: cases and shape-correct cases.</param>
/// <param name="Misses">The cases whose shape was wrong.</param>
public sealed record PlannerEvaluationReport(
    int Cases,
    double ShapeAccuracy,
    double ClassAccuracy,
    IReadOnlyDictionary<QueryClass, PlannerClassScore> ByClass,
    IReadOnlyList<PlannerCaseResult> Misses,
    IReadOnlyList<PlannerCaseResult> Results);

/// <summary>Per-class figures of a <see cref="PlannerEvaluationReport"/>.</summary>
public sealed record PlannerClassScore(int Cases, int ShapeCorrect, double Accuracy);

/// <summary>
/// Loads a planner evaluation set (JSON lines of <see cref="PlannerCase"/>) and measures a planner against it. The
/// repository's set (<c>eval/planner.jsonl</c>) is embedded in this assembly so <c>agentrag eval planner</c> runs
/// anywhere. Thread-safe.
/// </summary>
public static class PlannerEvaluation
{
    public const string BuiltInResource = "eval/planner.jsonl";

    /// <summary>The built-in set.</summary>
    public static IReadOnlyList<PlannerCase> LoadBuiltIn()
    {
        using var stream = typeof(PlannerEvaluation).Assembly.GetManifestResourceStream(BuiltInResource)
            ?? throw new InvalidOperationException($"The built-in planner evaluation set '{BuiltInResource}' is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), BuiltInResource);
    }

    /// <summary>Reads a set from <paramref name="path"/>. Throws <see cref="FileNotFoundException"/> and <see cref="FormatException"/> naming the file and line.</summary>
    public static IReadOnlyList<PlannerCase> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The planner evaluation set '{path}' does not exist.", path);
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses JSON lines; blank lines are skipped. Throws <see cref="FormatException"/> naming the source and line.</summary>
    public static IReadOnlyList<PlannerCase> Parse(string jsonLines, string source)
    {
        ArgumentNullException.ThrowIfNull(jsonLines);
        var cases = new List<PlannerCase>();
        var lines = jsonLines.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            PlannerCase? parsed;
            try
            {
                parsed = JsonSerializer.Deserialize<PlannerCase>(line, AgentRagJson.Options);
            }
            catch (JsonException ex)
            {
                throw new FormatException($"{source}, line {(i + 1).ToString(CultureInfo.InvariantCulture)}: {ex.Message}", ex);
            }

            if (parsed is null || string.IsNullOrWhiteSpace(parsed.Query) || string.IsNullOrWhiteSpace(parsed.Shape))
            {
                throw new FormatException($"{source}, line {(i + 1).ToString(CultureInfo.InvariantCulture)}: each case needs 'query', 'class' and 'shape'.");
            }

            cases.Add(parsed);
        }

        return cases;
    }

    /// <summary>Plans every case with <paramref name="planner"/> and scores the shapes and classes.</summary>
    public static async Task<PlannerEvaluationReport> EvaluateAsync(IQueryPlanner planner, IReadOnlyList<PlannerCase> cases, bool useModel = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(planner);
        ArgumentNullException.ThrowIfNull(cases);
        var results = new List<PlannerCaseResult>(cases.Count);
        foreach (var item in cases)
        {
            var planned = await planner.PlanAsync(new PlanningRequest(Core.Tenancy.DefaultTenant, item.Query, "wf_plannerevaluation", useModel), cancellationToken);
            var shape = PlanShape.Of(planned.Plan);
            results.Add(new PlannerCaseResult(item, planned.Classification.Class, shape, planned.Classification.Rule, planned.Planner,
                planned.Classification.Class == item.Class, shape == PlanShape.Normalize(item.Shape)));
        }

        var byClass = results.GroupBy(r => r.Case.Class).OrderBy(g => g.Key).ToDictionary(
            g => g.Key,
            g => new PlannerClassScore(g.Count(), g.Count(r => r.ShapeCorrect), Math.Round((double)g.Count(r => r.ShapeCorrect) / g.Count(), 4)));
        return new PlannerEvaluationReport(
            results.Count,
            results.Count == 0 ? 0 : Math.Round((double)results.Count(r => r.ShapeCorrect) / results.Count, 4),
            results.Count == 0 ? 0 : Math.Round((double)results.Count(r => r.ClassCorrect) / results.Count, 4),
            byClass,
            [.. results.Where(r => !r.ShapeCorrect)],
            results);
    }
}
