using AgentRag.Models.Configuration;
using Microsoft.Extensions.AI;

namespace AgentRag.Models.OpenAi;

/// <summary>
/// Wraps Microsoft.Extensions.AI.OpenAI's embedding generator for one profile: sends inputs in batches of the profile's
/// <c>EmbeddingBatchSize</c> (32 by default), one batch at a time, each request bounded by the profile's <c>Timeout</c>,
/// and returns one embedding per input in input order with the summed usage (null when the provider reported none).
/// Empty inputs are an <see cref="ArgumentException"/> before anything is sent; every provider failure, and a response
/// with fewer or more vectors than inputs, is a <see cref="ModelCallException"/> naming the profile. Never retries.
/// Thread-safe.
/// </summary>
public sealed class OpenAiCheckedEmbeddingGenerator : DelegatingEmbeddingGenerator<string, Embedding<float>>
{
    private readonly TimeProvider _timeProvider;

    public OpenAiCheckedEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> innerGenerator, ModelProfile profile, TimeProvider timeProvider)
        : base(innerGenerator)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(timeProvider);
        Profile = profile;
        _timeProvider = timeProvider;
    }

    public ModelProfile Profile { get; }

    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var inputs = values as IReadOnlyList<string> ?? values.ToList();
        for (var i = 0; i < inputs.Count; i++)
        {
            if (string.IsNullOrEmpty(inputs[i]))
            {
                throw new ArgumentException($"Input {i} is empty; the embeddings API rejects empty strings.", nameof(values));
            }
        }

        var result = new GeneratedEmbeddings<Embedding<float>>(inputs.Count);
        var usage = new UsageDetails { InputTokenCount = 0, TotalTokenCount = 0 };
        var reportedUsage = false;
        using var timeout = new ProviderWaitTimeout(Profile, _timeProvider, cancellationToken);
        for (var start = 0; start < inputs.Count; start += Profile.EmbeddingBatchSize)
        {
            var batch = inputs.Skip(start).Take(Profile.EmbeddingBatchSize).ToList();
            GeneratedEmbeddings<Embedding<float>> generated;
            try
            {
                timeout.Start();
                generated = await base.GenerateAsync(batch, options, timeout.Token);
            }
            catch (Exception ex) when (OpenAiErrors.Translate(ex, Profile, "the embeddings request", cancellationToken) is { } translated)
            {
                throw translated;
            }
            finally
            {
                timeout.Stop();
            }

            if (generated.Count != batch.Count)
            {
                var missing = generated.Count < batch.Count
                    ? $"the response has no embedding for input {start + generated.Count} (got {generated.Count} of {batch.Count})."
                    : $"the response has {generated.Count} embeddings for a batch of {batch.Count}.";
                throw new ModelCallException(ModelFailureKind.MalformedResponse, Profile.Name, Profile.Model, Profile.Endpoint,
                    $"Model profile '{Profile.Name}' ({Profile.Model} at {Profile.Endpoint}) sent a malformed response in the embeddings response: {missing} Check that {Profile.SettingPath}:Endpoint points at an OpenAI-compatible API.");
            }

            foreach (var embedding in generated)
            {
                embedding.ModelId ??= Profile.Model;
                result.Add(embedding);
            }

            if (generated.Usage is { } batchUsage)
            {
                reportedUsage = true;
                usage.InputTokenCount += batchUsage.InputTokenCount;
                usage.TotalTokenCount += batchUsage.TotalTokenCount;
            }
        }

        result.Usage = reportedUsage ? usage : null;
        return result;
    }

    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ModelProfile) ? Profile : base.GetService(serviceType, serviceKey);
}
