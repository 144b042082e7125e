using AgentRag.Models.Configuration;
using Microsoft.Extensions.AI;

namespace AgentRag.Models.Local;

/// <summary>
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over an in-process model (<see cref="LocalSentenceEncoder"/>):
/// offline, free. The texts of a call are sorted by length and embedded in batches of
/// <see cref="EmbeddingsOptions.BatchSize"/>, so each batch pads to a similar length (a model pads every text of a run
/// to the longest); the results come back in input order and equal what one text at a time gives. The texts are
/// embedded as given: the caller adds a query prefix (<see cref="ModelProfile.QueryPrefix"/>), so a cache keyed by text
/// tells queries from passages. <see cref="GeneratedEmbeddings{TEmbedding}.Usage"/> counts the word pieces read. A call of at most <see cref="InteractiveCharacters"/> characters (a search query) is
/// interactive and runs before queued background batches. Thread-safe; <see cref="Dispose"/> does nothing (the
/// container owns the encoder).
/// </summary>
public sealed class LocalEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>Calls with at most this many characters in all go before background batches.</summary>
    public const int InteractiveCharacters = 2_000;

    private readonly LocalSentenceEncoder _encoder;
    private readonly int _batchSize;
    private readonly EmbeddingGeneratorMetadata _metadata;

    public LocalEmbeddingGenerator(LocalSentenceEncoder encoder, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        _encoder = encoder;
        _batchSize = batchSize;
        _metadata = new EmbeddingGeneratorMetadata("onnxruntime", ModelProfile.LocalEndpoint, encoder.Model.ModelId, encoder.Model.Dimensions);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A text is null.</exception>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values as IReadOnlyList<string> ?? values.ToList();
        for (var i = 0; i < texts.Count; i++)
        {
            if (texts[i] is null)
            {
                throw new ArgumentException($"Text {i} is null.", nameof(values));
            }
        }

        var interactive = texts.Sum(t => (long)t.Length) <= InteractiveCharacters;
        var order = Enumerable.Range(0, texts.Count).OrderBy(i => texts[i].Length).ToArray();
        var vectors = new float[texts.Count][];
        var wordPieces = 0L;
        for (var start = 0; start < order.Length; start += _batchSize)
        {
            var batch = order.AsSpan(start, Math.Min(_batchSize, order.Length - start)).ToArray();
            var (encoded, pieces) = await _encoder.EncodeCountingAsync([.. batch.Select(i => texts[i])], interactive, cancellationToken).ConfigureAwait(false);
            wordPieces += pieces;
            for (var j = 0; j < batch.Length; j++)
            {
                vectors[batch[j]] = encoded[j];
            }
        }

        var modelId = _encoder.Model.ModelId;
        return new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v) { ModelId = modelId }))
        {
            // Real counts (the word pieces the model read), so usage rows are exact, not estimates.
            Usage = new UsageDetails { InputTokenCount = wordPieces, TotalTokenCount = wordPieces },
        };
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
            : serviceType == typeof(LocalSentenceEncoder) ? _encoder
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    public void Dispose()
    {
    }
}
