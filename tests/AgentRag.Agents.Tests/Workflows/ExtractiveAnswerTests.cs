using AgentRag.Agents.Workflows;
using AgentRag.Core;

namespace AgentRag.Agents.Tests.Workflows;

[Collection(CorpusCollection.Name)]
public sealed class ExtractiveAnswerTests(CorpusFixture corpus)
{
    [Fact]
    public async Task Run_AssignmentQuestionOnTheCorpus_CitesRIntroPage14QuotingTheArrow()
    {
        var tokens = new List<string>();

        var final = await corpus.Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("How do I assign a value to a variable in R?"),
            e => { if (e.Type == WorkflowEvents.Token) { tokens.Add(e.Data); } });

        final.Status.ShouldBe(WorkflowStatus.Completed, final.Error);
        final.Answer!.Mode.ShouldBe(AnswerMode.Extractive);
        tokens.Count.ShouldBeGreaterThan(10); // streamed in phrases
        // The answer leads with its best sentence's passage (keyword-only here: R-intro's p. 11 on assignments scores as
        // well); the arrow is quoted from p. 14, under its section's heading.
        final.Answer.Citations[0].Number.ShouldBe(1);
        var first = final.Answer.Citations.First(c => c.Page == 14);
        (first.DocumentName, first.Display).ShouldBe(("R-intro.pdf", "[R-intro.pdf, p. 14]"));
        first.Quote.ShouldContain("assignment operator (‘<-’)");
        first.HeadingPath.ShouldEndWith("2.1 Vectors and assignment");
        final.Answer.Answer.ShouldStartWith(final.Answer.Answer.Split("[1]")[0]);
        final.Answer.Answer.IndexOf("[1]", StringComparison.Ordinal).ShouldBeLessThan(final.Answer.Answer.IndexOf("[2]", StringComparison.Ordinal) is var i and >= 0 ? i : int.MaxValue);
        final.Answer.CitationSupportRate.ShouldBe(1.0);

        // The quote is located in the stored page text of page 14.
        var arrowQuote = first.Quotes.Single(q => q.Text.Contains("‘<-’", StringComparison.Ordinal));
        var span = arrowQuote.Span.ShouldNotBeNull();
        span.Page.ShouldBe(14);
        var store = (Core.Storage.IDocumentStore)corpus.Services.GetService(typeof(Core.Storage.IDocumentStore))!;
        var page = await store.GetPageAsync(Tenancy.DefaultTenant, first.DocumentId, 14);
        page!.Text[span.Start..span.End].ShouldStartWith("Notice that the assignment operator");
    }

    [Fact]
    public async Task Run_ComparisonOnTheCorpus_CitesBothEvents()
    {
        var final = await corpus.Workflows.RunAsync(Tenancy.DefaultTenant,
            new QueryRequest("What is the difference between the beforeExit and exit events in Node.js?"));

        final.Plan!.Steps.Count(s => s.Agent == AgentNames.Retrieval).ShouldBe(2);
        final.Answer!.Answer.ShouldContain("'beforeExit'");
        final.Answer.Answer.ShouldContain("'exit'");
        final.Answer.Citations.ShouldAllBe(c => c.DocumentName == "nodejs-process.md" && c.Page == null && c.HeadingPath.Length > 0);
    }
}
