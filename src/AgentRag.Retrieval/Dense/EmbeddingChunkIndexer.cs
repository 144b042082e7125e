using AgentRag.Core.Documents;
using AgentRag.Core.Search;
using AgentRag.Core.Storage;
using AgentRag.Models;
using AgentRag.Models.Calls;
using AgentRag.Models.Configuration;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AgentRag.Retrieval.Dense;

/// <summary>
/// The background <c>embedding</c> stage that follows <c>ready</c>: embeds a document's chunks through the model layer's
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> (which caches by tenant, model and SHA-256 of the text in memory
/// and persistently, retries transient failures and records usage) in batches of 32, reporting progress after each batch
/// (whose vectors are then in the persistent cache, so a crash recomputes at most the batch in flight), then replaces
/// the document's vectors in the tenant's <see cref="IVectorStore"/> in one write (never a duplicate or a partial
/// document). Before each batch it waits until no document is being taken to ready in this process
/// (<see cref="IngestionActivity"/>): the keyword path goes first. Its <see cref="Stage"/> is null when no embedding
/// model is configured, so the pipeline skips it. Thread-safe; both methods are idempotent. A failed embedding call
/// changes nothing in the index.
/// </summary>
public sealed class EmbeddingChunkIndexer(
    IEmbeddingGenerator<string, Embedding<float>> generator,
    ModelCatalog models,
    IVectorStore vectors,
    IOptions<DenseRetrievalOptions> options,
    IngestionActivity? ingestionActivity = null) : IChunkIndexer
{
    private readonly DenseRetrievalOptions _options = options.Value;

    /// <inheritdoc />
    public IngestionStage? Stage => models.IsEmbeddingAvailable ? IngestionStage.Embedding : null;

    /// <inheritdoc />
    public string? EmbeddingModel => models.TryGet(ModelProfileNames.Embedding, out var profile) ? profile.Model : null;

    /// <inheritdoc />
    public Task IndexAsync(string tenantId, string documentId, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken = default) =>
        IndexAsync(tenantId, documentId, chunks, null, cancellationToken);

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A chunk belongs to another tenant or document, or two chunks share an id.</exception>
    /// <exception cref="ModelUnavailableException">No embedding model is configured.</exception>
    /// <exception cref="ModelCallException">The provider failed after the model layer's retries, or answered with vectors of the wrong count or size.</exception>
    public Task IndexAsync(
        string tenantId, string documentId, IReadOnlyList<Chunk> chunks, IProgress<int>? progress, CancellationToken cancellationToken = default) =>
        IndexAsync(tenantId, documentId, chunks, progress, null, cancellationToken);

    /// <summary>
    /// As <see cref="IndexAsync(string, string, IReadOnlyList{Chunk}, IProgress{int}?, CancellationToken)"/>, with the
    /// embeddings cached under <paramref name="cacheScope"/> instead of the tenant's scope when given (an evaluation
    /// dataset's corpus, <see cref="EmbeddingCacheScope.ForDataset"/>).
    /// </summary>
    public async Task IndexAsync(
        string tenantId, string documentId, IReadOnlyList<Chunk> chunks, IProgress<int>? progress, EmbeddingCacheScope? cacheScope,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var profile = models.Get(ModelProfileNames.Embedding);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var embeddable = new List<Chunk>(chunks.Count);
        foreach (var chunk in chunks)
        {
            if (chunk.TenantId != tenantId || chunk.DocumentId != documentId)
            {
                throw new ArgumentException(
                    $"Chunk '{chunk.Id}' belongs to tenant '{chunk.TenantId}', document '{chunk.DocumentId}', not tenant '{tenantId}', document '{documentId}'.",
                    nameof(chunks));
            }

            if (!seen.Add(chunk.Id))
            {
                throw new ArgumentException($"Chunk id '{chunk.Id}' occurs twice in document '{documentId}'.", nameof(chunks));
            }

            if (!string.IsNullOrWhiteSpace(chunk.Text))
            {
                embeddable.Add(chunk); // the embeddings API refuses empty input; such a chunk has nothing to embed
            }
        }

        var batchSize = _options.BatchSize ?? profile.EmbeddingBatchSize;
        var callOptions = new EmbeddingGenerationOptions().WithContext(
            (ModelCallContext.Current ?? new ModelCallContext()) with { TenantId = tenantId, Agent = "ingestion.embedding" });
        if (cacheScope is { } scope)
        {
            callOptions = callOptions.WithCacheScope(scope);
        }

        var embedded = new List<(string ChunkId, float[] Vector)>(embeddable.Count);
        var dimensions = 0;
        for (var start = 0; start < embeddable.Count; start += batchSize)
        {
            if (ingestionActivity is not null)
            {
                await ingestionActivity.WaitUntilIdleAsync(cancellationToken);
            }

            var batch = embeddable.GetRange(start, Math.Min(batchSize, embeddable.Count - start));
            var result = await generator.GenerateAsync([.. batch.Select(c => _options.DocumentPrefix + c.Text)], callOptions, cancellationToken);
            if (result.Count != batch.Count)
            {
                throw Malformed(profile, $"returned {result.Count} embeddings for {batch.Count} inputs");
            }

            for (var i = 0; i < batch.Count; i++)
            {
                var vector = result[i].Vector.ToArray();
                dimensions = dimensions == 0 ? vector.Length : dimensions;
                if (vector.Length == 0 || vector.Length != dimensions)
                {
                    throw Malformed(profile, $"returned a {vector.Length}-dimensional embedding after {dimensions}-dimensional ones");
                }

                embedded.Add((batch[i].Id, vector));
            }

            progress?.Report(start + batch.Count);
        }

        try
        {
            await vectors.ReplaceDocumentAsync(tenantId, documentId, profile.Model, embedded, cancellationToken);
        }
        catch (ArgumentException e) when (e.ParamName == "vectors")
        {
            throw Malformed(profile, e.Message);
        }
    }

    /// <inheritdoc />
    public Task RemoveAsync(string tenantId, string documentId, CancellationToken cancellationToken = default) =>
        vectors.RemoveDocumentAsync(tenantId, documentId, cancellationToken);

    private static ModelCallException Malformed(ModelProfile profile, string detail) =>
        new(ModelFailureKind.MalformedResponse, profile.Name, profile.Model, profile.Endpoint,
            $"Embedding model '{profile.Model}' at {profile.Endpoint} ({profile.SettingPath}) {detail}.");
}
