using AgentRag.Core.Documents;

namespace AgentRag.Agents.Citations;

/// <summary>
/// A verified citation: the <c>[n]</c> of the answer, the passage it points to, and the quote in that passage that
/// supports the cited sentence.
/// </summary>
public sealed record Citation
{
    /// <summary>The marker's number in the answer.</summary>
    public required int Number { get; init; }

    /// <summary>For people: <c>[R-intro.pdf, p. 14]</c>, or <c>[nodejs-url.md, URL &gt; url.port]</c> for files without pages.</summary>
    public required string Display { get; init; }

    public required string DocumentId { get; init; }

    public required string DocumentName { get; init; }

    public required string ChunkId { get; init; }

    /// <summary>The passage's pages (empty for formats without pages).</summary>
    public IReadOnlyList<int> Pages { get; init; } = [];

    /// <summary>The page of the quote (null for formats without pages).</summary>
    public int? Page { get; init; }

    public string HeadingPath { get; init; } = "";

    /// <summary>
    /// The passage sentence(s) that best support the answer sentences citing it, in passage order (several quotes are
    /// joined with " … "); each is in <see cref="Quotes"/> with its location.
    /// </summary>
    public required string Quote { get; init; }

    /// <summary>Where the first quote is in the stored page text, when it could be located.</summary>
    public SourceSpan? QuoteSpan { get; init; }

    /// <summary>Every supporting quote with its location in the stored page text (null when it could not be located).</summary>
    public IReadOnlyList<CitationQuote> Quotes { get; init; } = [];

    /// <summary>How well the passage supports the sentences citing it, 0–1 (see <see cref="CitationVerifier"/>).</summary>
    public required double Support { get; init; }

    /// <summary>
    /// What held: <c>words</c> (the passage contains the sentence's terms), <c>meaning</c> (a passage sentence says the same
    /// in other words: sentence embeddings), or <c>words+meaning</c> when sentences citing it differ. <c>words</c> for
    /// citations recorded before the distinction.
    /// </summary>
    public string SupportBasis { get; init; } = CitationVerifier.WordsBasis;
}

/// <summary>One supporting quote: its text and where it is in the stored page text.</summary>
public sealed record CitationQuote(string Text, SourceSpan? Span);

/// <summary>A citation that was removed from the answer because its source does not support the sentence.</summary>
public sealed record RemovedCitation(int Number, string Sentence, double Support, string Reason);

/// <summary>The citation step's result.</summary>
/// <param name="Answer">The answer with unsupported markers removed.</param>
/// <param name="Citations">The kept citations, by number.</param>
/// <param name="Removed">The markers that were removed and why.</param>
/// <param name="CitationSupportRate">Supported citing sentences / citing sentences (1 when nothing was cited).</param>
public sealed record CitationResult(string Answer, IReadOnlyList<Citation> Citations, IReadOnlyList<RemovedCitation> Removed, double CitationSupportRate)
{
    /// <summary>The evidence behind the answer (coverage, support, confidence, decline), once assessed.</summary>
    public AnswerEvidence? Evidence { get; init; }
}
