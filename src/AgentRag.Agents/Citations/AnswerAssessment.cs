using AgentRag.Agents.Retrieval;

namespace AgentRag.Agents.Citations;

/// <summary>The evidence behind an answer, as <see cref="AnswerAssessment"/> measures it (recorded in the citation step's result).</summary>
/// <param name="KeywordStrength">The strongest <see cref="RetrievedPassage.KeywordStrength"/> among the cited passages (0 when nothing is cited).</param>
/// <param name="KeywordShare">The largest <see cref="RetrievedPassage.KeywordShare"/> among the cited passages.</param>
/// <param name="Support">(citation support rate + mean support score of the kept citations) / 2, 0–1: do the cited sentences say what their sources say.</param>
/// <param name="Evidence">
/// max(strength / <see cref="AnswerAssessment.MinimumStrength"/>, share / <see cref="AnswerAssessment.MinimumShare"/>) × support:
/// 1 or more is enough to answer.
/// </param>
/// <param name="Confidence">The answer's confidence, 0–100.</param>
/// <param name="Decline">True when the evidence is too weak: the answer must say the documents do not cover the question.</param>
public sealed record AnswerEvidence(double KeywordStrength, double KeywordShare, double Support, double Evidence, int Confidence, bool Decline)
{
    /// <summary>The cosine similarity of the sources' best sentence with the question, when sentence embeddings were available.</summary>
    public double? Relevance { get; init; }
}

/// <summary>
/// Decides whether an answer is supported well enough to give, and how far it can be trusted, from how the cited
/// passages match the question and how well they back what the answer says. The same rule applies to extractive and
/// model answers.
/// <para>
/// Two measures of a cited passage's match, both comparable across questions and collections:
/// <b>keyword strength</b>, its BM25 score in units of the largest weight one term can have in the index (about 1: it
/// matches one rare word of the question), and <b>keyword share</b>, its BM25 score over the most the question's terms
/// could score (their idf sum, counting terms no document has): the weighted part of what the question asks that the
/// passage matches.
/// </para>
/// <para>
/// <b>Declining.</b> The answer declines when nothing it says is backed by a citation, or when its best cited passage,
/// discounted by support, matches neither something distinctive (strength ≥ <see cref="MinimumStrength"/>) nor most of
/// the question (share ≥ <see cref="MinimumShare"/>): that is what retrieval returns for a question the documents do not
/// address. The thresholds were calibrated on the visible question set (docs/benchmarks-answers.md) below every
/// answerable question, so an answerable question is rather answered than wrongly declined.
/// </para>
/// <para>
/// <b>Confidence</b> = round(100 × support × (min(1, strength / <see cref="StrongMatch"/>) + share) / 2), and 0 for a
/// decline: distinctive matches, matching more of the question and backed citations each raise it.
/// </para>
/// Deterministic and thread-safe.
/// </summary>
public static class AnswerAssessment
{
    /// <summary>The keyword strength (× support) that is evidence on its own.</summary>
    public const double MinimumStrength = 1.1;

    /// <summary>The keyword share (× support) that is evidence on its own.</summary>
    public const double MinimumShare = 0.5;

    /// <summary>The keyword strength at which retrieval counts as fully convincing for confidence.</summary>
    public const double StrongMatch = 3.0;

    /// <summary>
    /// The relevance (cosine of the best source sentence with the question) below which no passage is about the
    /// question: the answer declines whatever words match.
    /// </summary>
    public const double MinimumRelevance = 0.55;

    /// <summary>The relevance (× support) that is evidence on its own, however few of the question's words match.</summary>
    public const double AboutRelevance = 0.7;

    /// <summary>
    /// Measures an answer whose verified <paramref name="citations"/> (with their support rate) point into
    /// <paramref name="sources"/>, the passages it could draw on; <paramref name="relevance"/> is
    /// <see cref="Synthesis.SynthesisResult.Relevance"/> when known.
    /// </summary>
    public static AnswerEvidence Assess(IReadOnlyList<RetrievedPassage> sources, IReadOnlyList<Citation> citations, double citationSupportRate, double? relevance = null)
    {
        ArgumentNullException.ThrowIfNull(citations);
        var support = citations.Count == 0 ? 0 : Math.Round((citationSupportRate + citations.Average(c => c.Support)) / 2, 4);
        return Assess(sources, citations.Select(c => c.ChunkId).ToList(), support, relevance);
    }

    /// <summary>
    /// Measures an answer that cites the passages <paramref name="citedChunkIds"/> of <paramref name="sources"/> with the
    /// given <paramref name="support"/> (0–1); e.g. an extractive answer quotes its sources, so its support is 1.
    /// </summary>
    public static AnswerEvidence Assess(IReadOnlyList<RetrievedPassage> sources, IReadOnlyList<string> citedChunkIds, double support, double? relevance = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(citedChunkIds);
        var cited = sources.Where(p => citedChunkIds.Contains(p.ChunkId, StringComparer.Ordinal)).ToList();
        var strength = cited.Count == 0 ? 0 : cited.Max(p => p.KeywordStrength);
        var share = cited.Count == 0 ? 0 : cited.Max(p => p.KeywordShare);
        var keyword = Math.Max(strength / MinimumStrength, share / MinimumShare);
        var semantic = relevance is { } r ? r / AboutRelevance : 0;
        var evidence = Math.Round(Math.Max(keyword, semantic) * support, 4);
        var decline = cited.Count == 0 || evidence < 1 || relevance < MinimumRelevance;
        var keywordPart = (Math.Min(1, strength / StrongMatch) + Math.Min(1, share)) / 2;
        var part = relevance is { } about ? (keywordPart + Synthesis.ExtractiveSynthesizer.SemanticScale(about)) / 2 : keywordPart;
        var confidence = decline ? 0 : (int)Math.Round(100 * support * part, MidpointRounding.AwayFromZero);
        return new AnswerEvidence(Math.Round(strength, 4), Math.Round(share, 4), support, evidence, Math.Clamp(confidence, 0, 100), decline)
        {
            Relevance = relevance is { } value ? Math.Round(value, 4) : null,
        };
    }
}
