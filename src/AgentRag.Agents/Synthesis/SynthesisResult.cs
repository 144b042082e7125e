using AgentRag.Agents.Retrieval;

namespace AgentRag.Agents.Synthesis;

/// <summary>
/// What the synthesis step produced: the answer with <c>[n]</c> markers, where <c>n</c> is a 1-based index into
/// <see cref="Sources"/> (the numbered context), and how it was produced.
/// </summary>
/// <param name="Answer">The answer text with markers.</param>
/// <param name="Mode">Extractive or model.</param>
/// <param name="Sources">The numbered context passages, [1] first.</param>
/// <param name="Declined">True when the sources do not cover the question and the answer says so.</param>
/// <param name="PromptVersion">The prompt version used in model mode.</param>
public sealed record SynthesisResult(string Answer, AnswerMode Mode, IReadOnlyList<RetrievedPassage> Sources, bool Declined, string? PromptVersion = null)
{
    /// <summary>
    /// How much the best sentence of the sources is about the question: its cosine similarity with the question (sentence
    /// embeddings), or null when there were none (no embedding model, a model answer, or the model failed). Declining and
    /// confidence use it beside the keyword measures (<see cref="Citations.AnswerAssessment"/>).
    /// </summary>
    public double? Relevance { get; init; }
}
