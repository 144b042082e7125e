using AgentRag.Agents.Citations;
using AgentRag.Agents.Tests.Support;
using AgentRag.Agents.Text;

namespace AgentRag.Agents.Tests.Text;

public sealed class AnswerAssessmentTests
{
    private static readonly Retrieval.RetrievedPassage Strong = ScriptedRetriever.Passage("strong",
        "Lock files go in /var/lock. The name of a device lock file is LCK.. followed by the base name of the device.", "5.9. /var/lock : Lock files", "fhs.pdf", keywordStrength: 3.0, keywordShare: 0.5);

    private static readonly Retrieval.RetrievedPassage Weak = ScriptedRetriever.Passage("weak",
        "Package names must consist only of lower case letters.", "Packages", "policy.txt", keywordStrength: 1.0, keywordShare: 0.3);

    private static readonly Retrieval.RetrievedPassage CommonWords = ScriptedRetriever.Passage("common",
        "Values are assigned to variables with the assignment operator.", "Assignment", "R-intro.pdf", keywordStrength: 0.9, keywordShare: 0.75);

    [Fact]
    public void Assess_StrongFullySupportedCitation_AnswersWithConfidenceByTheFormula()
    {
        var evidence = AnswerAssessment.Assess([Strong, Weak], ["chk_strong"], support: 1.0);

        evidence.Decline.ShouldBeFalse();
        (evidence.KeywordStrength, evidence.KeywordShare, evidence.Evidence).ShouldBe((3.0, 0.5, Math.Round(3.0 / 1.1, 4)));
        evidence.Confidence.ShouldBe(75); // 100 × 1 × (min(1, 3/3) + 0.5) / 2
    }

    [Fact]
    public void Assess_CommonWordsButMostOfTheQuestion_Answers()
    {
        var evidence = AnswerAssessment.Assess([CommonWords], ["chk_common"], support: 1.0);

        (evidence.Evidence, evidence.Decline, evidence.Confidence).ShouldBe((1.5, false, 53));
    }

    [Fact]
    public void Assess_NeitherDistinctiveNorMostOfTheQuestion_Declines()
    {
        var evidence = AnswerAssessment.Assess([Strong, Weak], ["chk_weak"], support: 1.0);

        evidence.Evidence.ShouldBeLessThan(1);
        (evidence.Decline, evidence.Confidence).ShouldBe((true, 0));
    }

    [Fact]
    public void Assess_StrongMatchButPoorlySupported_Declines()
    {
        var evidence = AnswerAssessment.Assess([Strong], ["chk_strong"], support: 0.3);

        (evidence.Evidence, evidence.Decline).ShouldBe((Math.Round(3.0 / 1.1 * 0.3, 4), true));
    }

    [Fact]
    public void Assess_NothingCited_Declines()
    {
        AnswerAssessment.Assess([Strong], [], support: 1.0).Decline.ShouldBeTrue();
    }

    [Fact]
    public void FromHeadings_NumberedHeadings_UncitedSectionsFirstWithoutNumbering()
    {
        var passages = new[]
        {
            ScriptedRetriever.Passage("a", "x", "Chapter 5. The /var Hierarchy > 5.9. /var/lock : Lock files", "fhs.pdf"),
            ScriptedRetriever.Passage("b", "x", "Chapter 5. The /var Hierarchy > 5.15. /var/tmp : Temporary files", "fhs.pdf"),
            ScriptedRetriever.Passage("c", "x", "2.5 Missing values", "R-intro.pdf"),
            ScriptedRetriever.Passage("d", "x", "2.5 Missing values", "R-intro.pdf"),
            ScriptedRetriever.Passage("e", "x", "Appendix B Invoking R", "R-intro.pdf"),
        };
        var cited = new Citation { Number = 1, Display = "", DocumentId = "d", DocumentName = "fhs.pdf", ChunkId = "chk_a", HeadingPath = passages[0].HeadingPath, Quote = "x", Support = 1 };

        FollowUpQuestions.FromHeadings(passages, [cited]).ShouldBe(
        [
            "What does fhs.pdf say about /var/tmp : Temporary files?",
            "What does R-intro.pdf say about Missing values?",
            "What does R-intro.pdf say about Invoking R?",
        ]);
    }
}
