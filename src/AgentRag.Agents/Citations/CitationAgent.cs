using AgentRag.Agents.Plans;
using AgentRag.Agents.Synthesis;
using AgentRag.Agents.Text;
using Microsoft.Extensions.AI;

namespace AgentRag.Agents.Citations;

/// <summary>
/// The <c>citation</c> agent: verifies the synthesis answer's <c>[n]</c> markers with <see cref="CitationVerifier"/>,
/// removes unsupported ones, and produces the citations (document, pages, heading path, quote with its source span).
/// Accepts paraphrase (sentence embeddings) when an embedding generator is registered. Thread-safe.
/// </summary>
public sealed class CitationAgent(AgentsOptions options, IEmbeddingGenerator<string, Embedding<float>>? embeddings = null) : IAgent
{
    public AgentDescriptor Descriptor { get; } = new(
        AgentNames.Citation,
        "Checks each [n] of the answer against its passage, removes unsupported citations and extracts supporting quotes.",
        new InputSchema(
            new InputProperty("minSupport", InputType.Number, "The least support score a citation needs (default from configuration).", Minimum: 0, Maximum: 1)),
        new AgentCostProfile(LocalLatencyMs: 2));

    public async Task<StepOutput> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        var synthesis = context.Dependencies.LastOrDefault(d => d.Output.Answer is not null)
            ?? throw new InvalidOperationException("The citation step needs a synthesis step among its dependencies.");
        var draft = synthesis.Output.Read<SynthesisResult>();
        var warnings = new List<string>();
        if (draft.Declined)
        {
            var declined = new CitationResult(draft.Answer, [], [], 1.0);
            return StepOutput.Create(
                declined with { Evidence = AnswerAssessment.Assess(draft.Sources, Array.Empty<Citation>(), 1.0, draft.Relevance) },
                "The answer declines: nothing to cite.",
                new AnswerDraft(draft.Answer, draft.Mode, [], null) { Declined = true, Confidence = 0, FollowUps = FollowUpQuestions.FromHeadings(draft.Sources, []) });
        }

        var verifier = new CitationVerifier(context.GetDouble("minSupport", options.MinimumCitationSupport));
        var result = await verifier.VerifyAsync(context.TenantId, draft.Answer, draft.Sources, embeddings is null ? null : new SemanticSimilarity(embeddings), cancellationToken);
        if (result.Removed.Count > 0)
        {
            warnings.Add($"{result.Removed.Count} citation(s) were removed because their source does not support the sentence.");
        }

        var evidence = AnswerAssessment.Assess(draft.Sources, result.Citations, result.CitationSupportRate, draft.Relevance);
        if (evidence.Decline)
        {
            // Unsupported: say so rather than pass on an answer the sources do not back.
            warnings.Add(result.Citations.Count == 0
                ? "No sentence of the answer is supported by the documents, so it was withheld."
                : $"The cited passages match the question too weakly (evidence {evidence.Evidence:0.00}, below 1), so the answer was withheld.");
            var declined = new CitationResult(ExtractiveSynthesizer.DeclineMessage(context.GetString("query") ?? context.Query, draft.Sources), [], result.Removed, result.CitationSupportRate) { Evidence = evidence };
            return StepOutput.Create(declined, "The answer declines: the sources do not support it.",
                new AnswerDraft(declined.Answer, draft.Mode, [], null) { Declined = true, Confidence = 0, FollowUps = FollowUpQuestions.FromHeadings(draft.Sources, []) },
                warnings);
        }

        var answer = new AnswerDraft(result.Answer, draft.Mode, result.Citations, result.CitationSupportRate)
        {
            Confidence = evidence.Confidence,
            FollowUps = FollowUpQuestions.FromHeadings(draft.Sources, result.Citations),
        };
        return StepOutput.Create(
            result with { Evidence = evidence },
            $"{result.Citations.Count} citation(s) verified, {result.Removed.Count} removed; support rate {result.CitationSupportRate:0.00}; confidence {evidence.Confidence}.",
            answer,
            warnings);
    }
}
