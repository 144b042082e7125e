using AgentRag.Agents.Citations;
using AgentRag.Agents.Evaluation;
using AgentRag.Agents.Workflows;
using AgentRag.Core;
using AgentRag.TestKit;

namespace AgentRag.Agents.Tests.Evaluation;

[Collection(CorpusCollection.Name)]
public sealed class QaEvaluationTests(CorpusFixture corpus)
{
    [Fact]
    public async Task Run_OffTopicQuestion_DeclinesCitingNothing()
    {
        var final = await corpus.Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("What is the maximum number of characters allowed in a Debian package name?"));

        final.Status.ShouldBe(WorkflowStatus.Completed, final.Error);
        final.Answer!.Declined.ShouldBeTrue();
        final.Answer.Answer.ShouldStartWith("The documents do not cover this question. Searched for “is the maximum number of characters allowed in a Debian package name”");
        final.Answer.Citations.ShouldBeEmpty();
        final.Answer.Confidence.ShouldBe(0);
    }

    [Fact]
    public async Task Run_AnsweredQuestion_HasConfidenceAndThreeFollowUpsFromHeadings()
    {
        var final = await corpus.Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("How do I assign a value to a variable in R?"));

        final.Answer!.Declined.ShouldBeFalse();
        final.Answer.Confidence.ShouldBeInRange(1, 100);
        final.Answer.FollowUps.Count.ShouldBe(3);
        final.Answer.FollowUps.ShouldAllBe(q => q.StartsWith("What does ", StringComparison.Ordinal) && q.EndsWith('?'));
        final.Answer.FollowUps.ShouldBeUnique();
    }

    [Fact]
    public void Load_AnswerableQuestionWithoutExpectedStrings_FailsNamingTheLine()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "set.jsonl");
        File.WriteAllLines(path,
        [
            """{"id": "a", "question": "Where do lock files go?", "file": "fhs.pdf", "page": 42, "must_contain_any": ["/var/lock"], "kind": "factual"}""",
            """{"id": "b", "question": "What is /tmp?", "file": "fhs.pdf", "page": 40, "must_contain_any": [], "kind": "factual"}""",
        ]);

        var ex = Should.Throw<FormatException>(() => QaEvaluation.Load(path));

        ex.Message.ShouldBe($"{path}, line 2: an answerable question needs 'must_contain_any'.");
    }

    [Theory]
    [InlineData("R-intro.pdf", 14, null, "R-intro.pdf", 14, "", true)]
    [InlineData("R-intro.pdf", 14, null, "R-intro.pdf", 15, "", false)]
    [InlineData("nodejs-url.md", null, "url.port", "nodejs-url.md", null, "URL > Class: URL > url.port", true)]
    [InlineData("nodejs-url.md", null, "url.port", "nodejs-url.md", null, "URL > Class: URL > url.host", false)]
    [InlineData("nodejs-url.md", null, "url.port", "nodejs-process.md", null, "url.port", false)]
    public void Matches_FileAndPageOrSection_AsSpecified(string file, int? page, string? section, string citedFile, int? citedPage, string headingPath, bool expected)
    {
        var citation = new Citation
        {
            Number = 1, Display = "", DocumentId = "doc_x", DocumentName = citedFile, ChunkId = "chk_x", Page = citedPage, HeadingPath = headingPath,
            Quote = "q", Support = 1,
        };

        QaEvaluation.Matches(citation, new QaLocation(file, page, section)).ShouldBe(expected);
    }
}
