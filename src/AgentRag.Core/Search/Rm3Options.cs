namespace AgentRag.Core.Search;

/// <summary>RM3 pseudo-relevance feedback settings. Defaults are Anserini's (<c>-rm3</c>).</summary>
public sealed class Rm3Options
{
    /// <summary>Expansion terms kept per feedback document and in the final relevance model.</summary>
    public int FeedbackTerms { get; set; } = 10;

    /// <summary>Top-ranked documents taken as relevant.</summary>
    public int FeedbackDocs { get; set; } = 10;

    /// <summary>Weight of the original query in the interpolation with the relevance model.</summary>
    public float OriginalQueryWeight { get; set; } = 0.5f;

    /// <summary>Terms in more than this fraction of the documents are not feedback terms (Anserini's 10%).</summary>
    public float MaxDocumentFrequencyRatio { get; set; } = 0.1f;

    public void Validate()
    {
        if (FeedbackTerms is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(FeedbackTerms), FeedbackTerms, "RM3 FeedbackTerms must be between 1 and 1000.");
        }

        if (FeedbackDocs is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(FeedbackDocs), FeedbackDocs, "RM3 FeedbackDocs must be between 1 and 1000.");
        }

        if (!float.IsFinite(OriginalQueryWeight) || OriginalQueryWeight is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(OriginalQueryWeight), OriginalQueryWeight, "RM3 OriginalQueryWeight must be between 0 and 1.");
        }

        if (!float.IsFinite(MaxDocumentFrequencyRatio) || MaxDocumentFrequencyRatio is <= 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDocumentFrequencyRatio), MaxDocumentFrequencyRatio, "RM3 MaxDocumentFrequencyRatio must be in (0, 1].");
        }
    }
}
