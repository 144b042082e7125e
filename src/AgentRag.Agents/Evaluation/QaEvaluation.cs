using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using AgentRag.Agents.Citations;
using AgentRag.Agents.Workflows;
using AgentRag.Core.Serialization;

namespace AgentRag.Agents.Evaluation;

/// <summary>A place in the documents that supports an answer: a file and its physical page, or for files without pages, a section heading.</summary>
public sealed record QaLocation(string File, int? Page, string? Section);

/// <summary>
/// One labelled question (the format of <c>shared/questions/README.md</c>): the question, where its answer is, the strings a
/// correct answer contains, and its kind (<c>unanswerable</c> questions have no location and no expected strings).
/// </summary>
public sealed record QaQuestion
{
    public required string Id { get; init; }

    public required string Question { get; init; }

    public string? File { get; init; }

    public int? Page { get; init; }

    public string? Section { get; init; }

    public string? Answer { get; init; }

    [JsonPropertyName("must_contain_any")]
    public IReadOnlyList<string> MustContainAny { get; init; } = [];

    public required string Kind { get; init; }

    /// <summary>Other places that support the answer.</summary>
    public IReadOnlyList<QaLocation> Also { get; init; } = [];

    public bool IsUnanswerable => Kind.Equals("unanswerable", StringComparison.OrdinalIgnoreCase);

    /// <summary>Where the answer is: <see cref="File"/>/<see cref="Page"/>/<see cref="Section"/> first, then <see cref="Also"/>.</summary>
    public IEnumerable<QaLocation> Locations => File is null ? Also : Also.Prepend(new QaLocation(File, Page, Section));
}

/// <summary>How one question was answered and scored.</summary>
/// <param name="AnswerHit">The answer contains one of the expected strings (answerable questions only).</param>
/// <param name="FirstCitationHit">The first citation points at the answer's location or an <c>also</c> entry.</param>
/// <param name="AnyCitationHit">Some citation does.</param>
/// <param name="Declined">The answer says the documents do not cover the question.</param>
public sealed record QaQuestionResult(
    string Id,
    string Kind,
    string Question,
    string Answer,
    bool Declined,
    bool AnswerHit,
    bool FirstCitationHit,
    bool AnyCitationHit,
    string? FirstCitation,
    int Citations,
    double? CitationSupportRate,
    int Confidence,
    double LatencyMs,
    string Status,
    string? Error);

/// <summary>
/// The answer-quality figures of a question set. Rates over answerable questions: answer hit, first- and any-citation hit,
/// wrongly declined. Over unanswerable ones: declined. Confidence calibration compares the mean confidence of answerable
/// questions answered correctly (hits) with the rest (misses, including wrongly declined ones and answers to unanswerable
/// questions). Rates of an empty group are null.
/// </summary>
public sealed record QaEvaluationReport(
    int Questions,
    int Answerable,
    int Unanswerable,
    double? AnswerHitRate,
    double? FirstCitationHitRate,
    double? AnyCitationHitRate,
    double? UnanswerableDeclinedRate,
    double? AnswerableWronglyDeclinedRate,
    double? CitationSupportRate,
    double? MeanConfidenceOfHits,
    double? MeanConfidenceOfMisses,
    double LatencyP50Ms,
    double LatencyP95Ms,
    string Mode,
    IReadOnlyList<QaQuestionResult> Results);

/// <summary>
/// Loads labelled question sets and measures answers against them (<c>agentrag eval qa</c>): every question is asked
/// through <see cref="WorkflowService"/>, one at a time, exactly as a user's question would be. Thread-safe.
/// </summary>
public static class QaEvaluation
{
    /// <summary>
    /// Reads a JSON-lines question set. Throws <see cref="FileNotFoundException"/>, and <see cref="FormatException"/> naming
    /// the file and line of a malformed or incomplete question (an answerable one needs a file and expected strings).
    /// </summary>
    public static IReadOnlyList<QaQuestion> Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!System.IO.File.Exists(path))
        {
            throw new FileNotFoundException($"The question set '{path}' does not exist.", path);
        }

        var questions = new List<QaQuestion>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var number = 0;
        foreach (var line in System.IO.File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            QaQuestion? question;
            try
            {
                question = JsonSerializer.Deserialize<QaQuestion>(line, AgentRagJson.Options);
            }
            catch (JsonException ex)
            {
                throw new FormatException($"{path}, line {number}: not a question object ({ex.Message}).", ex);
            }

            string? problem = question switch
            {
                null => "the line is null",
                { Question: null or { Length: 0 } } => "'question' is empty",
                { IsUnanswerable: false, File: null or { Length: 0 } } => "an answerable question needs 'file'",
                { IsUnanswerable: false, MustContainAny.Count: 0 } => "an answerable question needs 'must_contain_any'",
                _ when !ids.Add(question.Id) => $"the id '{question.Id}' appears twice",
                _ => null,
            };
            if (problem is not null)
            {
                throw new FormatException($"{path}, line {number}: {problem}.");
            }

            questions.Add(question!);
        }

        return questions.Count > 0 ? questions : throw new FormatException($"{path}: the question set is empty.");
    }

    /// <summary>Asks every question of <paramref name="questions"/> in <paramref name="mode"/> and scores the answers.</summary>
    public static async Task<QaEvaluationReport> EvaluateAsync(
        WorkflowService workflows, string tenantId, IReadOnlyList<QaQuestion> questions, QueryMode mode, TimeProvider? time = null,
        Action<QaQuestionResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflows);
        ArgumentNullException.ThrowIfNull(questions);
        time ??= TimeProvider.System;
        var results = new List<QaQuestionResult>(questions.Count);
        foreach (var question in questions)
        {
            var started = time.GetTimestamp();
            QaQuestionResult result;
            try
            {
                var state = await workflows.RunAsync(tenantId, new QueryRequest(question.Question, Mode: mode), cancellationToken: cancellationToken);
                result = Score(question, state, time.GetElapsedTime(started).TotalMilliseconds);
            }
            catch (QueryRejectedException ex)
            {
                result = new QaQuestionResult(question.Id, question.Kind, question.Question, "", false, false, false, false, null, 0, null, 0,
                    time.GetElapsedTime(started).TotalMilliseconds, "rejected", ex.Message);
            }

            results.Add(result);
            onResult?.Invoke(result);
        }

        return Summarize(results, questions, mode);
    }

    /// <summary>Scores one finished workflow against its question.</summary>
    public static QaQuestionResult Score(QaQuestion question, WorkflowState state, double latencyMs)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(state);
        var answer = state.Answer;
        if (answer is null)
        {
            return new QaQuestionResult(question.Id, question.Kind, question.Question, "", false, false, false, false, null, 0, null, 0, latencyMs,
                state.Status.ToString().ToLowerInvariant(), state.Error);
        }

        var answerable = !question.IsUnanswerable;
        var hit = answerable && !answer.Declined && ContainsAny(answer.Answer, question.MustContainAny);
        var first = answer.Citations.Count > 0 ? answer.Citations[0] : null;
        var firstHit = answerable && first is not null && question.Locations.Any(l => Matches(first, l));
        var anyHit = answerable && answer.Citations.Any(c => question.Locations.Any(l => Matches(c, l)));
        return new QaQuestionResult(question.Id, question.Kind, question.Question, answer.Answer, answer.Declined, hit, firstHit, anyHit,
            first?.Display, answer.Citations.Count, answer.CitationSupportRate, answer.Confidence, Math.Round(latencyMs, 3), "completed", null);
    }

    /// <summary>True when <paramref name="answer"/> contains one of <paramref name="expected"/>, ignoring case.</summary>
    public static bool ContainsAny(string answer, IEnumerable<string> expected) =>
        expected.Any(e => answer.Contains(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// True when <paramref name="citation"/> points at <paramref name="location"/>: the same file and, for a paged file, the
    /// citation's page is the location's page; for a file without pages, the citation's heading path contains the section.
    /// </summary>
    public static bool Matches(Citation citation, QaLocation location)
    {
        ArgumentNullException.ThrowIfNull(citation);
        ArgumentNullException.ThrowIfNull(location);
        if (!citation.DocumentName.Equals(location.File, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return location.Page is { } page
            ? citation.Page == page
            : location.Section is { Length: > 0 } section && citation.HeadingPath.Contains(section, StringComparison.OrdinalIgnoreCase);
    }

    private static QaEvaluationReport Summarize(List<QaQuestionResult> results, IReadOnlyList<QaQuestion> questions, QueryMode mode)
    {
        var answerable = results.Where((_, i) => !questions[i].IsUnanswerable).ToList();
        var unanswerable = results.Where((_, i) => questions[i].IsUnanswerable).ToList();
        double? Rate(List<QaQuestionResult> group, Func<QaQuestionResult, bool> predicate) =>
            group.Count == 0 ? null : Math.Round((double)group.Count(predicate) / group.Count, 4);
        double? Mean(IEnumerable<double> values)
        {
            var list = values.ToList();
            return list.Count == 0 ? null : Math.Round(list.Average(), 4);
        }

        var hits = answerable.Where(r => r.AnswerHit).ToList();
        var misses = results.Where(r => !r.AnswerHit && !(unanswerable.Contains(r) && r.Declined)).ToList();
        var latencies = results.Select(r => r.LatencyMs).Order().ToList();
        return new QaEvaluationReport(
            results.Count,
            answerable.Count,
            unanswerable.Count,
            Rate(answerable, r => r.AnswerHit),
            Rate(answerable, r => r.FirstCitationHit),
            Rate(answerable, r => r.AnyCitationHit),
            Rate(unanswerable, r => r.Declined),
            Rate(answerable, r => r.Declined),
            Mean(results.Where(r => r.CitationSupportRate is not null && !r.Declined).Select(r => r.CitationSupportRate!.Value)),
            Mean(hits.Select(r => (double)r.Confidence)),
            Mean(misses.Select(r => (double)r.Confidence)),
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.95),
            mode.ToString().ToLowerInvariant(),
            results);
    }

    /// <summary>The nearest-rank percentile of sorted values (0 for none).</summary>
    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)], 3);

    /// <summary>One line per rate, for people.</summary>
    public static IEnumerable<string> Describe(QaEvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        static string F(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";
        yield return string.Create(CultureInfo.InvariantCulture,
            $"{report.Questions} questions ({report.Answerable} answerable, {report.Unanswerable} unanswerable), {report.Mode} mode");
        yield return $"  answer hit            {F(report.AnswerHitRate)}";
        yield return $"  first-citation hit    {F(report.FirstCitationHitRate)}";
        yield return $"  any-citation hit      {F(report.AnyCitationHitRate)}";
        yield return $"  unanswerable declined {F(report.UnanswerableDeclinedRate)}";
        yield return $"  answerable declined   {F(report.AnswerableWronglyDeclinedRate)} (wrongly)";
        yield return $"  citation support      {F(report.CitationSupportRate)}";
        yield return $"  confidence            hits {F(report.MeanConfidenceOfHits)}, misses {F(report.MeanConfidenceOfMisses)}";
        yield return string.Create(CultureInfo.InvariantCulture, $"  latency               p50 {report.LatencyP50Ms:0.0} ms, p95 {report.LatencyP95Ms:0.0} ms");
        foreach (var result in report.Results.Where(r => !(r.AnswerHit && r.FirstCitationHit) && !(r.Kind == "unanswerable" && r.Declined)))
        {
            var what = result.Kind == "unanswerable" ? "answered an unanswerable question"
                : result.Declined ? "declined"
                : $"{(result.AnswerHit ? "answer hit" : "answer miss")}, first citation {result.FirstCitation ?? "none"}";
            yield return $"  {result.Id} ({result.Kind}): {what}";
        }
    }
}
