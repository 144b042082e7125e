using AgentRag.Agents.Text;
using AgentRag.Core.Text;

namespace AgentRag.Agents.Tests.Text;

public sealed class TextTests
{
    [Theory]
    [InlineData("12 * 7", "84")]
    [InlineData("(3 + 4) * 2", "14")]
    [InlineData("2^10 - 24", "1000")]
    [InlineData("2 ^ 3 ^ 2", "512")]
    [InlineData("1,250 / 5", "250")]
    [InlineData("0.1 + 0.2", "0.3")]
    [InlineData("-3 + 17 % 5", "-1")]
    public void Evaluate_Expression_ExactValue(string expression, string expected) =>
        ArithmeticEvaluator.Format(ArithmeticEvaluator.Evaluate(expression)).ShouldBe(expected);

    [Theory]
    [InlineData("(1 + 2", "Missing ')'")]
    [InlineData("1 + * 2", "Expected a number at position 5")]
    [InlineData("3 4", "Unexpected '4' at position 3")]
    public void Evaluate_Malformed_NamesThePosition(string expression, string message) =>
        Should.Throw<FormatException>(() => ArithmeticEvaluator.Evaluate(expression)).Message.ShouldContain(message);

    [Fact]
    public void Evaluate_DivisionByZero_Throws() => Should.Throw<DivideByZeroException>(() => ArithmeticEvaluator.Evaluate("1 / (2 - 2)"));

    [Fact]
    public void Split_PdfText_SentencesHeadingsAndCodeWithOffsets()
    {
        const string text = "2.1 Vectors and assignment\nR operates on named data structures. The simplest such\nstructure is the numeric vector.\n       > x <- c(10.4, 5.6, 3.1)\nThis is an assignment statement, e.g. a command.1 A number occurring by itself is a vector.";

        var segments = SentenceSplitter.Split(text);

        segments.Select(s => (s.Kind, s.Text)).ShouldBe(
        [
            (SegmentKind.Heading, "2.1 Vectors and assignment"),
            (SegmentKind.Sentence, "R operates on named data structures."),
            (SegmentKind.Sentence, "The simplest such structure is the numeric vector."),
            (SegmentKind.Code, "> x <- c(10.4, 5.6, 3.1)"),
            (SegmentKind.Sentence, "This is an assignment statement, e.g. a command.1"),
            (SegmentKind.Sentence, "A number occurring by itself is a vector."),
        ]);
        foreach (var segment in segments)
        {
            string.Join(' ', text[segment.Start..segment.End].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ShouldBe(segment.Text);
        }
    }

    [Fact]
    public void Split_SentenceInterruptedByDisplayedCode_IsOneSentenceWithTheCode()
    {
        // R-intro p. 12: the code display sits inside the sentence, whose subject comes before it.
        const string text = "It is also on the File menu. The function sink,\n> sink(\"record.lis\")\nwill divert all output to an external file. The\ncommand\n> sink()\nrestores it to the console.\n> q()\nThat ends the session.";

        var segments = SentenceSplitter.Split(text);

        segments.Select(s => (s.Kind, s.Text)).ShouldBe(
        [
            (SegmentKind.Sentence, "It is also on the File menu."),
            (SegmentKind.Sentence, "The function sink, > sink(\"record.lis\") will divert all output to an external file."),
            (SegmentKind.Sentence, "The command > sink() restores it to the console."),
            (SegmentKind.Code, "> q()"),
            (SegmentKind.Sentence, "That ends the session."),
        ]);
        foreach (var segment in segments)
        {
            string.Join(' ', text[segment.Start..segment.End].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ShouldBe(segment.Text);
        }
    }

    [Fact]
    public void Split_ListItems_EachStartsASentence()
    {
        const string text = "This is extremely rare.\n- 12 Invalid Debug Argument: the port was invalid.\n- 13 Unfinished Top-Level Await: await was used outside of a function,\nbut the Promise never resolved.\n* >128 Signal Exits: see below.";

        SentenceSplitter.Split(text).Select(s => s.Text).ShouldBe(
        [
            "This is extremely rare.",
            "- 12 Invalid Debug Argument: the port was invalid.",
            "- 13 Unfinished Top-Level Await: await was used outside of a function, but the Promise never resolved.",
            "* >128 Signal Exits: see below.",
        ]);
    }

    [Fact]
    public void TopicTerms_Question_DropsQuestionWords() =>
        QuestionText.TopicTerms("How do I assign a value to a variable in R?").ShouldBe(["assign", "valu", "variabl", "r"], ignoreOrder: true);

    [Fact]
    public void SearchQuery_Question_KeepsTheTopicWords() =>
        QuestionText.SearchQuery("What should I pass to read.table() so it is read properly?").ShouldBe("pass to read.table() it is read properly?");
}
