using AgentRag.Models.Configuration;
using Microsoft.Extensions.AI;
using OpenAI.Embeddings;
using AiEmbeddingOptions = Microsoft.Extensions.AI.EmbeddingGenerationOptions;

namespace AgentRag.Models.OpenAi;

/// <summary>
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> for one profile over the OpenAI .NET SDK. Sends inputs in
/// batches of the profile's <c>EmbeddingBatchSize</c> (32 by default), one batch at a time, and returns one embedding
/// per input in input order with the summed usage. Never retries; failures are <see cref="ModelCallException"/>s.
/// Thread-safe.
/// </summary>
public sealed class OpenAiEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingClient _client;
    private readonly EmbeddingGeneratorMetadata _metadata;

    public OpenAiEmbeddingGenerator(ModelProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        Profile = profile;
        _client = OpenAiClientFactory.CreateEmbeddingClient(profile);
        _metadata = new EmbeddingGeneratorMetadata("openai", profile.Endpoint, profile.Model, profile.EmbeddingDimensions);
    }

    public ModelProfile Profile { get; }

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, AiEmbeddingOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var inputs = values as IReadOnlyList<string> ?? values.ToList();
        var result = new GeneratedEmbeddings<Embedding<float>>(inputs.Count);
        var usage = new UsageDetails { InputTokenCount = 0, TotalTokenCount = 0 };
        var reportedUsage = false;
        var requestOptions = new OpenAI.Embeddings.EmbeddingGenerationOptions { Dimensions = options?.Dimensions ?? Profile.EmbeddingDimensions };
        for (var start = 0; start < inputs.Count; start += Profile.EmbeddingBatchSize)
        {
            var batch = inputs.Skip(start).Take(Profile.EmbeddingBatchSize).ToList();
            for (var i = 0; i < batch.Count; i++)
            {
                if (string.IsNullOrEmpty(batch[i]))
                {
                    throw new ArgumentException($"Input {start + i} is empty; the embeddings API rejects empty strings.", nameof(values));
                }
            }

            OpenAIEmbeddingCollection collection;
            try
            {
                collection = (await _client.GenerateEmbeddingsAsync(batch, requestOptions, cancellationToken)).Value;
            }
            catch (Exception ex) when (OpenAiErrors.Translate(ex, Profile, "the embeddings request", cancellationToken) is { } translated)
            {
                throw translated;
            }

            try
            {
                var ordered = new Embedding<float>?[batch.Count];
                foreach (var embedding in collection)
                {
                    if (embedding.Index < 0 || embedding.Index >= batch.Count || ordered[embedding.Index] is not null)
                    {
                        throw new FormatException($"embedding index {embedding.Index} is out of range or repeated for a batch of {batch.Count}.");
                    }

                    ordered[embedding.Index] = new Embedding<float>(embedding.ToFloats())
                    {
                        ModelId = collection.Model ?? Profile.Model,
                    };
                }

                for (var i = 0; i < ordered.Length; i++)
                {
                    result.Add(ordered[i] ?? throw new FormatException($"the response has no embedding for input {start + i} (got {collection.Count} of {batch.Count})."));
                }

                if (collection.Usage is { } batchUsage)
                {
                    reportedUsage = true;
                    usage.InputTokenCount += batchUsage.InputTokenCount;
                    usage.TotalTokenCount += batchUsage.TotalTokenCount;
                }
            }
            catch (Exception ex) when (ex is not ModelCallException && OpenAiErrors.Translate(ex, Profile, "the embeddings response", cancellationToken) is { } translated)
            {
                throw translated;
            }
        }

        result.Usage = reportedUsage ? usage : null;
        return result;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceType == typeof(ModelProfile) ? Profile
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
        // The SDK client owns no unmanaged state of ours.
    }
}
