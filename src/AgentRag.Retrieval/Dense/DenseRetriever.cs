using AgentRag.Core.Search;
using AgentRag.Models;
using AgentRag.Models.Calls;
using AgentRag.Models.Configuration;
using AgentRag.Retrieval.Search;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AgentRag.Retrieval.Dense;

/// <summary>
/// Dense retrieval: embeds the query, after the model's query prefix (<see cref="DenseRetrievalOptions.QueryPrefix"/>),
/// with the model layer's embedding profile (cached, retried, usage recorded) and
/// searches the tenant's <see cref="IVectorStore"/> by cosine similarity. Registered only when an embedding model
/// is configured. Thread-safe.
/// </summary>
public sealed class DenseRetriever(
    IEmbeddingGenerator<string, Embedding<float>> generator,
    ModelCatalog models,
    IVectorStore vectors,
    IOptions<DenseRetrievalOptions> options) : IDenseRetriever
{
    private readonly DenseRetrievalOptions _options = options.Value;

    /// <inheritdoc />
    /// <exception cref="ModelUnavailableException">No embedding model is configured.</exception>
    /// <exception cref="ModelCallException">The embedding call failed after the model layer's retries.</exception>
    /// <exception cref="VectorModelMismatchException">The tenant's vectors were made by another model.</exception>
    public Task<IReadOnlyList<(string ChunkId, string DocumentId, float Score)>> SearchAsync(
        string tenantId, string query, int k, IReadOnlySet<string>? allowedDocuments, CancellationToken cancellationToken = default) =>
        SearchAsync(tenantId, query, k, allowedDocuments, null, cancellationToken);

    /// <summary>
    /// As <see cref="SearchAsync(string, string, int, IReadOnlySet{string}?, CancellationToken)"/>, with the query's
    /// embedding cached under <paramref name="cacheScope"/> instead of the tenant's scope when given (an evaluation dataset's).
    /// </summary>
    public async Task<IReadOnlyList<(string ChunkId, string DocumentId, float Score)>> SearchAsync(
        string tenantId, string query, int k, IReadOnlySet<string>? allowedDocuments, EmbeddingCacheScope? cacheScope,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var profile = models.Get(ModelProfileNames.Embedding);
        var callOptions = new EmbeddingGenerationOptions().WithContext(
            (ModelCallContext.Current ?? new ModelCallContext()) with { TenantId = tenantId, Agent = ModelCallContext.Current?.Agent ?? "search" });
        if (cacheScope is { } scope)
        {
            callOptions = callOptions.WithCacheScope(scope);
        }

        var embeddings = await generator.GenerateAsync([(_options.QueryPrefix ?? profile.QueryPrefix) + query], callOptions, cancellationToken);
        if (embeddings.Count != 1)
        {
            throw new ModelCallException(ModelFailureKind.MalformedResponse, profile.Name, profile.Model, profile.Endpoint,
                $"Embedding model '{profile.Model}' at {profile.Endpoint} ({profile.SettingPath}) returned {embeddings.Count} embeddings for one query.");
        }

        var hits = await vectors.SearchAsync(tenantId, profile.Model, embeddings[0].Vector, k, allowedDocuments, cancellationToken);
        return [.. hits.Select(h => (h.ChunkId, h.DocumentId, h.Score))];
    }

    /// <inheritdoc />
    public async Task<bool> HasVectorsAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var info = await vectors.GetInfoAsync(tenantId, cancellationToken);
        return info.Vectors > 0 && (!models.TryGet(ModelProfileNames.Embedding, out var profile) || string.Equals(info.Model, profile.Model, StringComparison.Ordinal));
    }
}
