namespace AgentRag.Retrieval.Analysis;

/// <summary>
/// Receives the terms an <see cref="EnglishAnalyzer"/> produces. The span is only valid during the call:
/// copy it (or look it up) before returning. Implement it on a struct to let the JIT inline the calls.
/// </summary>
public interface ITermSink
{
    /// <param name="term">The analyzed (lower-cased, stemmed) term.</param>
    /// <param name="position">0-based position among the text's tokens, counting removed stopwords, as Lucene does.</param>
    void OnTerm(ReadOnlySpan<char> term, int position);
}
