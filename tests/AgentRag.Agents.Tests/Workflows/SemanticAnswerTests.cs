using AgentRag.Agents.Citations;
using AgentRag.Agents.Retrieval;
using AgentRag.Agents.Tests.Support;
using AgentRag.Agents.Text;
using AgentRag.Agents.Workflows;
using AgentRag.Core;
using AgentRag.TestKit;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Agents.Tests.Workflows;

/// <summary>
/// Extractive answers with the in-process sentence model (the product's default embedding provider): sentence choice by
/// meaning, both sides of a comparison, declining when no passage is about the question, and paraphrase accepted as
/// citation support. Small documents written here, so embedding them takes about a second.
/// </summary>
public sealed class SemanticAnswerTests(SemanticAnswerTests.Documents documents) : IClassFixture<SemanticAnswerTests.Documents>
{
    [Fact]
    public async Task Run_ComparisonOfTwoSchedulers_AnswersBothSidesCitingEachSection()
    {
        var final = await documents.Workflows.RunAsync(Tenancy.DefaultTenant,
            new QueryRequest("What is the difference between the alpha scheduler and the beta scheduler?"));

        final.Status.ShouldBe(WorkflowStatus.Completed, final.Error);
        final.Plan!.Steps.Count(s => s.Agent == AgentNames.Retrieval).ShouldBe(2);
        var answer = final.Answer!;
        answer.Declined.ShouldBeFalse(answer.Answer);
        answer.Answer.ShouldContain("order in which they arrive");
        answer.Answer.ShouldContain("shortest waiting task first");
        answer.Citations.Select(c => c.HeadingPath.Split(" > ")[^1]).ShouldBe(["Alpha scheduler", "Beta scheduler"], ignoreOrder: true);
    }

    [Fact]
    public async Task Run_HowManyQuestion_AnswerQuotesTheSentenceStatingTheNumber()
    {
        var final = await documents.Workflows.RunAsync(Tenancy.DefaultTenant,
            new QueryRequest("How many pending connections can the listen queue hold by default?"));

        var answer = final.Answer!;
        answer.Declined.ShouldBeFalse(answer.Answer);
        answer.Answer.ShouldContain("511");
        answer.Citations[0].HeadingPath.ShouldEndWith("Connections");
    }

    [Fact]
    public async Task Run_AnswerInAPassageSpanningTwoSubsections_CitesTheSubsectionItQuotes()
    {
        // "Logs rotate nightly." is too short a section to be a chunk of its own, so one passage holds the end of
        // "Logging" and all of "Log line format"; its label and the citation name the subsection the answer comes from.
        var final = await documents.Workflows.RunAsync(Tenancy.DefaultTenant, new QueryRequest("What does each line of a log file start with?"));

        var answer = final.Answer!;
        answer.Answer.ShouldContain("starts with the time of the event");
        answer.Citations[0].HeadingPath.ShouldBe("Server guide > Logging > Log line format");
        answer.Citations[0].Display.ShouldBe("[server.md, Server guide > Logging > Log line format]");
    }

    [Fact]
    public async Task Run_QuestionNoPassageIsAbout_DeclinesNamingWhatWasSearched()
    {
        // "server", "log" and "files" match the server guide, but nothing in it is about certificates.
        var final = await documents.Workflows.RunAsync(Tenancy.DefaultTenant,
            new QueryRequest("Which certificate authority signs the TLS certificates of the server log files?"));

        var answer = final.Answer!;
        answer.Declined.ShouldBeTrue(answer.Answer);
        answer.Citations.ShouldBeEmpty();
        answer.Answer.ShouldStartWith(Synthesis.ExtractiveSynthesizer.DeclineText);
        answer.Answer.ShouldContain("Searched for “certificate authority signs the TLS certificates of the server log files”");
        Synthesis.ExtractiveSynthesizer.IsDecline(answer.Answer).ShouldBeTrue();
    }

    [Fact]
    public async Task VerifyAsync_ParaphrasedSentence_SupportedByMeaningAndSaysSo()
    {
        var passage = new RetrievedPassage
        {
            ChunkId = "chk_server",
            DocumentId = "doc_server",
            DocumentName = "server.md",
            HeadingPath = "Server guide > Connections",
            Text = "The listen backlog defaults to 511 pending connections. Idle connections are closed after 120 seconds without traffic.",
        };
        var similarity = new SemanticSimilarity(documents.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        const string Answer = "Connections with no activity are dropped after two minutes. [1] The moon is made of green cheese. [1]";

        // In words the passage supports a third of the first sentence ("connections", "after"): not enough at 0.4.
        var withMeaning = await new CitationVerifier(minimumSupport: 0.4).VerifyAsync(Tenancy.DefaultTenant, Answer, [passage], similarity);
        var wordsOnly = await new CitationVerifier(minimumSupport: 0.4).VerifyAsync(Tenancy.DefaultTenant, Answer, [passage]);

        var citation = withMeaning.Citations.ShouldHaveSingleItem();
        citation.SupportBasis.ShouldBe(CitationVerifier.MeaningBasis);
        citation.Quote.ShouldContain("Idle connections are closed after 120 seconds without traffic.");
        citation.Support.ShouldBeGreaterThanOrEqualTo(CitationVerifier.ParaphraseCosine);
        withMeaning.Removed.ShouldHaveSingleItem().Sentence.ShouldBe("The moon is made of green cheese.");
        withMeaning.CitationSupportRate.ShouldBe(0.5);
        wordsOnly.Citations.ShouldBeEmpty();
        wordsOnly.Removed.Count.ShouldBe(2);
    }

    /// <summary>Two small Markdown documents ingested and embedded with the local model, and the product's services over them.</summary>
    public sealed class Documents : IAsyncLifetime
    {
        private readonly TempDirectory _data = new("agentrag-semantic-answers");
        private readonly TempDirectory _files = new("agentrag-semantic-files");
        private ServiceProvider? _services;

        public IServiceProvider Services => _services!;

        public WorkflowService Workflows => Services.GetRequiredService<WorkflowService>();

        public async Task InitializeAsync()
        {
            var scheduling = Path.Combine(_files.Path, "scheduling.md");
            await File.WriteAllTextAsync(scheduling, """
                # Task scheduling

                Tasks wait in one queue until a worker takes them.

                ## Alpha scheduler

                The alpha scheduler runs tasks strictly in the order in which they arrive. It never reorders the queue, so one long task delays every task behind it.

                ## Beta scheduler

                The beta scheduler always runs the shortest waiting task first. Long tasks can wait for a long time while short ones keep arriving.
                """);
            var server = Path.Combine(_files.Path, "server.md");
            await File.WriteAllTextAsync(server, """
                # Server guide

                ## Connections

                The server accepts clients on one listening socket. The listen backlog defaults to 511 pending connections. Idle connections are closed after 120 seconds without traffic.

                ## Logging

                Logs rotate nightly.

                ### Log line format

                Each line of a log file starts with the time of the event in UTC, followed by the severity, the component that wrote it and the message. The severity is one of debug, info, warning or error. The component is the name of the module, for example scheduler or storage. Messages longer than four kilobytes are cut and end with an ellipsis.
                """);
            _services = await ProductServices.StartWithFilesAsync(_data.Path, new Dictionary<string, string?> { [EmbeddingTestSettings.ProviderKey] = "local" }, [scheduling, server]);
        }

        public async Task DisposeAsync()
        {
            if (_services is not null)
            {
                await _services.DisposeAsync();
            }

            _data.Dispose();
            _files.Dispose();
        }
    }
}
