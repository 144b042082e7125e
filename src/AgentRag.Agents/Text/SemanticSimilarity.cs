using System.Numerics.Tensors;
using Microsoft.Extensions.AI;

namespace AgentRag.Agents.Text;

/// <summary>
/// Cosine similarities of texts through the registered embedding generator (the in-process sentence model by default).
/// The generator is the decorated one, so every text is embedded once per model and tenant and then read from the
/// embedding cache (in memory, then persistent): the sentences of passages that answer query after query are not
/// embedded again. Thread-safe.
/// </summary>
public sealed class SemanticSimilarity(IEmbeddingGenerator<string, Embedding<float>> embeddings)
{
    /// <summary>
    /// The cosine similarity of <paramref name="query"/> with each distinct text of <paramref name="texts"/>, in one
    /// embedding call. Throws what the generator throws (e.g. a budget or an unavailable model).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, double>> ToQueryAsync(string query, IEnumerable<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(texts);
        var distinct = texts.Where(t => !string.Equals(t, query, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        if (distinct.Count == 0)
        {
            return result;
        }

        var vectors = await embeddings.GenerateAsync([query, .. distinct], cancellationToken: cancellationToken);
        var q = vectors[0].Vector.Span;
        for (var i = 0; i < distinct.Count; i++)
        {
            result[distinct[i]] = TensorPrimitives.CosineSimilarity(q, vectors[i + 1].Vector.Span);
        }

        return result;
    }

    /// <summary>The cosine similarity of two texts.</summary>
    public async Task<double> BetweenAsync(string a, string b, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var vectors = await embeddings.GenerateAsync([a, b], cancellationToken: cancellationToken);
        return TensorPrimitives.CosineSimilarity(vectors[0].Vector.Span, vectors[1].Vector.Span);
    }
}
