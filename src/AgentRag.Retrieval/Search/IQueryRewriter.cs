namespace AgentRag.Retrieval.Search;

/// <summary>Rewrites a search query into alternative phrasings (multi-query expansion); registered only when a chat model is configured.</summary>
public interface IQueryRewriter
{
    /// <summary>
    /// Up to <paramref name="count"/> distinct rewrites of <paramref name="query"/>, none equal to it (ignoring case and
    /// spacing); possibly fewer, or none, when the model offers no usable ones.
    /// </summary>
    Task<IReadOnlyList<string>> RewriteAsync(string query, int count, CancellationToken cancellationToken = default);
}
