using AgentRag.Retrieval.Query;

namespace AgentRag.Retrieval.Search;

/// <summary>Embedding-based retrieval of chunk ids; registered only when an embedding provider is configured.</summary>
public interface IDenseRetriever
{
    /// <summary>The top <paramref name="k"/> chunks by cosine similarity to the embedded query, best first.</summary>
    Task<IReadOnlyList<(string ChunkId, string DocumentId, float Score)>> SearchAsync(
        string tenantId, string query, int k, IReadOnlySet<string>? allowedDocuments, CancellationToken cancellationToken = default);

    /// <summary>
    /// True when the tenant has vectors to search (made by the configured model); false while nothing is embedded yet,
    /// so a hybrid search runs BM25 alone without embedding the query. Cheap: reads the index's counts.
    /// </summary>
    Task<bool> HasVectorsAsync(string tenantId, CancellationToken cancellationToken = default);
}

/// <summary>Reorders candidates by relevance to the query (an HTTP rerank endpoint, or an LLM scorer).</summary>
public interface IReranker
{
    /// <summary>Relevance scores for <paramref name="documents"/>, in their order; higher is more relevant.</summary>
    Task<IReadOnlyList<double>> ScoreAsync(string query, IReadOnlyList<string> documents, CancellationToken cancellationToken = default);
}
