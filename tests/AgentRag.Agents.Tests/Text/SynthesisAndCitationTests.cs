using AgentRag.Agents.Citations;
using AgentRag.Agents.Synthesis;
using AgentRag.Agents.Tests.Support;

namespace AgentRag.Agents.Tests.Text;

public sealed class SynthesisAndCitationTests
{
    private static readonly IReadOnlyList<Retrieval.RetrievedPassage> Passages =
    [
        ScriptedRetriever.Passage("a", "Lock files go in /var/lock. The name of a lock file for a device is LCK.. followed by the base name of the device. The file contains the process id in ASCII.", "Lock files", "fhs.md"),
        ScriptedRetriever.Passage("b", "Lock files for devices go in /var/lock, named LCK.. and the device's base name. Programs that create lock files must remove them.", "Devices", "notes.md"),
        ScriptedRetriever.Passage("c", "The printer spool lives in /var/spool/lpd. Print jobs wait there.", "Spool", "fhs.md"),
    ];

    [Fact]
    public void Phrases_ExtractiveAnswer_ShortPiecesThatJoinToTheAnswer()
    {
        const string answer = "Lock files go in /var/lock. [1] The name of a lock file for a device is LCK.. followed by the base name of the device. [1]";

        var phrases = SynthesisAgent.Phrases(answer).ToList();

        string.Concat(phrases).ShouldBe(answer);
        phrases.ShouldAllBe(p => p.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length <= SynthesisAgent.MaxWordsPerToken);
        phrases.Count.ShouldBeGreaterThan(5);
        phrases[0].ShouldBe("Lock files go in ");
    }

    [Fact]
    public void Compose_RelevantPassages_CitedSentencesWithoutRedundancy()
    {
        var answer = new ExtractiveSynthesizer().Compose("What should a device lock file be named and contain?", Passages);

        answer.Declined.ShouldBeFalse();
        answer.Text.ShouldContain("LCK.. followed by the base name of the device. [1]");
        answer.Text.ShouldContain("process id in ASCII. [1]");
        // Passage b's naming sentence says what passage a says: it adds nothing.
        answer.Text.ShouldNotContain("named LCK.. and the device's base name");
        answer.Sources[0].ChunkId.ShouldBe("chk_a");
        answer.Text.ShouldNotContain("spool");
    }

    [Fact]
    public void Compose_OffTopicQuestion_Declines()
    {
        var answer = new ExtractiveSynthesizer().Compose("Which Parquet reader supports predicate pushdown?", Passages);

        answer.Declined.ShouldBeTrue();
        answer.Text.ShouldBe(ExtractiveSynthesizer.DeclineText);
        answer.Sentences.ShouldBeEmpty();
    }

    [Fact]
    public async Task Verify_SupportedAndUnsupportedCitations_RemovesTheUnsupportedAndRates()
    {
        const string answer = "Device lock files are named LCK.. followed by the device's base name [1]. Print jobs wait in the spool [1]. The lock file holds the process id [1][9].";
        var verifier = new CitationVerifier(minimumSupport: 0.5);

        var result = await verifier.VerifyAsync("default", answer, Passages);

        result.Answer.ShouldBe("Device lock files are named LCK.. followed by the device's base name [1]. Print jobs wait in the spool. The lock file holds the process id [1].");
        result.Removed.Select(r => r.Number).ShouldBe([1, 9]);
        result.Removed[1].Reason.ShouldBe("[9] names no source (there are 3).");
        result.CitationSupportRate.ShouldBe(Math.Round(1.0 / 3, 4));
        var citation = result.Citations.ShouldHaveSingleItem();
        citation.Number.ShouldBe(1);
        citation.Display.ShouldBe("[fhs.md, Lock files]");
        citation.Quotes.Count.ShouldBe(2);
        citation.Quote.ShouldContain("LCK.. followed by the base name of the device.");
        citation.QuoteSpan.ShouldNotBeNull();
        var span = citation.QuoteSpan!.Value;
        Passages[0].Text[span.Start..span.End].ShouldStartWith("The name of a lock file");
    }

    [Fact]
    public async Task Verify_CitedSentenceFollowedByOneInLowerCase_EachSentenceCheckedAgainstItsOwnSource()
    {
        // An extractive answer quotes sentences as they are; one that begins mid-chunk may begin in lower case.
        const string answer = "The file contains the process id in ASCII. [1] programs that create lock files must remove them. [2]";

        var result = await new CitationVerifier(minimumSupport: 0.5).VerifyAsync("default", answer, Passages);

        result.Answer.ShouldBe(answer);
        result.CitationSupportRate.ShouldBe(1.0);
        result.Citations.Select(c => (c.Number, c.Support)).ShouldBe([(1, 1.0), (2, 1.0)]);
    }

    [Fact]
    public void Display_PagedAndPagelessSources() =>
        (CitationVerifier.Display("R-intro.pdf", 14, "2 Simple > 2.1 Vectors"), CitationVerifier.Display("url.md", null, "URL > url.port"), CitationVerifier.Display("a.txt", null, ""))
            .ShouldBe(("[R-intro.pdf, p. 14]", "[url.md, URL > url.port]", "[a.txt]"));
}
