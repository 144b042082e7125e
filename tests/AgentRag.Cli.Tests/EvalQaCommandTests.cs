using System.Text.Json;
using AgentRag.TestKit;

namespace AgentRag.Cli.Tests;

/// <summary><c>agentrag eval qa</c> as a child process, on the shared corpus and its visible question set.</summary>
public sealed class EvalQaCommandTests
{
    [Fact]
    public async Task EvalQa_VisibleQuestionSetExtractive_MeetsTheAnswerTargets()
    {
        var result = await CliProcess.RunAsync(["eval", "qa", "--questions", SharedPaths.Questions, "--docs", SharedPaths.Corpus, "--json", "--log-level", "Warning"],
            timeout: TimeSpan.FromMinutes(3));

        result.ExitCode.ShouldBe(0, result.ToString());
        var report = JsonDocument.Parse(result.StandardOutput).RootElement;
        double Rate(string name) => report.GetProperty(name).GetDouble();
        report.GetProperty("questions").GetInt32().ShouldBe(24);
        report.GetProperty("mode").GetString().ShouldBe("extractive");
        Rate("answerHitRate").ShouldBeGreaterThanOrEqualTo(0.6, result.StandardOutput);
        Rate("firstCitationHitRate").ShouldBeGreaterThanOrEqualTo(0.5, result.StandardOutput);
        Rate("unanswerableDeclinedRate").ShouldBeGreaterThanOrEqualTo(0.5, result.StandardOutput);
        Rate("answerableWronglyDeclinedRate").ShouldBeLessThanOrEqualTo(0.1, result.StandardOutput);
        Rate("citationSupportRate").ShouldBeGreaterThan(0.9);
        foreach (var question in report.GetProperty("results").EnumerateArray().Where(q => q.GetProperty("declined").GetBoolean()))
        {
            (question.GetProperty("citations").GetInt32(), question.GetProperty("confidence").GetInt32()).ShouldBe((0, 0));
        }
    }

    [Fact]
    public async Task EvalQa_MissingQuestionFile_ExitsWithUsageErrorNamingIt()
    {
        using var folder = new TempDirectory();
        var missing = Path.Combine(folder.Path, "none.jsonl");

        var result = await CliProcess.RunAsync(["eval", "qa", "--questions", missing, "--docs", SharedPaths.Corpus], timeout: TimeSpan.FromMinutes(1));

        result.ExitCode.ShouldBe(2, result.ToString());
        result.StandardError.ShouldContain($"The question set '{missing}' does not exist.");
    }
}
