using System.Numerics.Tensors;

namespace AgentRag.Retrieval.Vectors;

/// <summary>A vector hit with its cosine similarity to the query.</summary>
public readonly record struct VectorHit(string Id, float Score);

/// <summary>
/// A cosine-similarity index of fixed dimensionality keyed by id (a chunk id). Vectors are stored L2-normalized.
/// Implementations are thread-safe: searches run concurrently, writes are exclusive.
/// </summary>
public interface IVectorIndex
{
    int Dimensions { get; }

    /// <summary>Live vectors.</summary>
    int Count { get; }

    /// <summary>
    /// Adds or replaces the vector of <paramref name="id"/>. Throws <see cref="ArgumentException"/> when the vector
    /// has the wrong dimension, a non-finite component or zero length.
    /// </summary>
    void Upsert(string id, ReadOnlySpan<float> vector);

    /// <summary>Removes the vector; false when there was none. Takes effect for the next search.</summary>
    bool Remove(string id);

    /// <summary>The <paramref name="k"/> most similar vectors, best first (ties: smaller id first for exact search).</summary>
    IReadOnlyList<VectorHit> Search(ReadOnlySpan<float> query, int k);

    /// <summary>Writes the index in its own binary format (see the implementation's <c>Read</c>).</summary>
    void WriteTo(Stream stream);
}

internal static class VectorMath
{
    /// <summary>Writes the unit vector of <paramref name="source"/> into <paramref name="destination"/>, validating it.</summary>
    public static void Normalize(ReadOnlySpan<float> source, Span<float> destination, int dimensions, string parameterName)
    {
        if (source.Length != dimensions)
        {
            throw new ArgumentException($"Vector has {source.Length} dimensions; the index has {dimensions}.", parameterName);
        }

        if (!TensorPrimitives.IsFiniteAll(source))
        {
            throw new ArgumentException("Vector has a NaN or infinite component.", parameterName);
        }

        var norm = TensorPrimitives.Norm(source);
        if (norm == 0 || !float.IsFinite(norm))
        {
            throw new ArgumentException("Vector has zero length; cosine similarity is undefined.", parameterName);
        }

        TensorPrimitives.Divide(source, norm, destination);
    }
}
